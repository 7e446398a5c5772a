"""The pipeline file: typed models of its inputs, executor and stages, loaded and overridden in one place.

pipeline.py   PipelineConfig (inputs, output, executor, stages) and load_pipeline
stages.py     one model per stage kind, told apart by `kind` (the StageConfig union)
overrides.py  the package's one `KEY.PATH=VALUE` override parser (light: the trainer uses it without pydantic)
"""
