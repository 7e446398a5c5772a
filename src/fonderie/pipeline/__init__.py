"""Running a pipeline file: stage plans, executors, the runner, and what a run leaves to read back.

stages/       each stage's config -> a StagePlan (folder, phases of datatrove steps, schema, settings)
executors.py  local, Ray and Slurm executors from the config (Slurm: scripts and a dry run)
runner.py     runs plans in order, resumes, refuses mixed settings, records runs
stats.py      the funnel of a stage (read, kept, dropped by reason) from its tasks' stats files
display.py    live progress, read from the files tasks write
documents.py  the document shard schema and Document <-> row conversion
"""
