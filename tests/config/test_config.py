from pathlib import Path

import pytest

from fonderie.config.overrides import apply_overrides
from fonderie.config.pipeline import load_pipeline
from fonderie.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = """
output: out/x
inputs:
  - {source: web, format: warc, path: "crawl/*.warc.gz"}
stages:
  - kind: ingest
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "pipelines").glob("*.yaml")))
def test_shipped_pipelines_validate(name):
    cfg = load_pipeline(ROOT / "pipelines" / name)
    assert cfg.stages[0].kind == "ingest"
    # a clone runs them where it is: a (dry) run writes under `output` only, so it stays inside the repository
    output = Path(cfg.output)
    assert not output.is_absolute() and ".." not in output.parts, f"{name}: output {cfg.output} is outside the clone"
    # inputs a clone does not have (another folder beside it) come with the way to point at one's own files
    outside = [i.source for i in cfg.inputs if ".." in Path(i.path).parts]
    assert not outside or "--set 'inputs.*.path=" in (ROOT / "pipelines" / name).read_text(), (name, outside)


def test_minimal_defaults(tmp_path):
    cfg = load_pipeline(write(tmp_path, MINIMAL))
    assert cfg.executor.kind == "local" and cfg.executor.tasks == 1
    assert cfg.stage_dirs()[0][1] == "01_ingest"
    assert cfg.stages[0].extractor == "trafilatura"


@pytest.mark.parametrize(
    "patch, where, expected",
    [
        ("executor: {tasks: many}", "executor.tasks", "valid integer"),
        ("executor: {kind: kubernetes}", "executor.kind", "'local', 'slurm' or 'ray'"),
        ("executor: {tasks: 0}", "executor.tasks", "greater than or equal to 1"),
        ("executor: {workers: 0}", "executor.workers", "-1"),
        ("executor: {taks: 3}", "executor.taks", "no such key; did you mean tasks?"),
        ("executor: {slurm: {partitoin: a}}", "executor.slurm.partitoin", "did you mean partition?"),
        ("stagez: []", "stagez", "did you mean stages?"),
        ("executor: {zzz: 1}", "executor.zzz", "no such key; expected one of kind, ray, slurm, tasks, workers"),
    ],
)
def test_errors_name_file_key_and_expectation(tmp_path, patch, where, expected):
    path = write(tmp_path, MINIMAL + patch + "\n")
    with pytest.raises(ConfigError) as e:
        load_pipeline(path)
    message = str(e.value)
    assert str(path) in message and where in message and expected in message


def test_input_errors(tmp_path):
    bad = MINIMAL.replace("format: warc", "format: pdf")
    with pytest.raises(ConfigError, match=r"inputs\.0\.format"):
        load_pipeline(write(tmp_path, bad))
    twice = MINIMAL.replace("stages:", '  - {source: web, format: jsonl, path: "x.jsonl"}\nstages:')
    with pytest.raises(ConfigError, match="source names must be unique"):
        load_pipeline(write(tmp_path, twice))
    with pytest.raises(ConfigError, match=r"stages\.0: .*tokenise.*ingest"):
        load_pipeline(write(tmp_path, MINIMAL.replace("kind: ingest", "kind: tokenise")))


@pytest.mark.parametrize(
    "settings, expected",
    [
        ("slice: [0.9, 0.1]", r"inputs\.0\.slice: .*0 <= a < b <= 1"),
        ("slice: [0, 1.5]", r"inputs\.0\.slice: .*0 <= a < b <= 1"),
        ("slice: [0.5]", r"inputs\.0\.slice"),
        ("chunk_chars: 0", r"inputs\.0\.chunk_chars"),
        ("split: test", r"inputs\.0\.split: .*'train' or 'val'"),
    ],
)
def test_slice_chunk_and_split_errors(tmp_path, settings, expected):
    text = MINIMAL.replace('path: "crawl/*.warc.gz"}', f'path: "a.txt", {settings}}}').replace("warc", "text")
    with pytest.raises(ConfigError, match=expected):
        load_pipeline(write(tmp_path, text))


def test_slice_and_chunks_are_for_text_inputs_only(tmp_path, monkeypatch):
    from conftest import write_warc

    from fonderie.pipeline.stages import build_plans

    monkeypatch.chdir(tmp_path)  # MINIMAL's relative `crawl/*.warc.gz` must match a file for the plan to build
    (tmp_path / "crawl").mkdir()
    write_warc(tmp_path / "crawl" / "a.warc.gz", [])
    for settings in ("slice: [0, 0.9]", "chunk_chars: 1000"):
        cfg = load_pipeline(write(tmp_path, MINIMAL.replace('gz"}', f'gz", {settings}}}')))
        key = settings.split(":")[0]
        with pytest.raises(ConfigError, match=rf"inputs\.web\.{key}: only for `format: text`"):
            build_plans(cfg)
    cfg = load_pipeline(write(tmp_path, MINIMAL.replace('gz"}', 'gz", split: val}')))
    assert cfg.inputs[0].split == "val" and cfg.inputs[0].slice is None
    assert build_plans(cfg)


def test_not_yaml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_pipeline(write(tmp_path, "inputs: [unclosed"))
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_pipeline(write(tmp_path, "- a list"))
    with pytest.raises(ConfigError, match="cannot read pipeline file"):
        load_pipeline(tmp_path / "nope.yaml")


def test_overrides_are_typed_and_validated(tmp_path):
    path = write(tmp_path, MINIMAL)
    cfg = load_pipeline(
        path, ["executor.tasks=8", "inputs.web.path=/data/*.warc.gz", "stages.0.extractor=resiliparse"]
    )
    assert cfg.executor.tasks == 8
    assert cfg.inputs[0].path == "/data/*.warc.gz"
    assert cfg.stages[0].extractor == "resiliparse"
    with pytest.raises(ConfigError, match=r"executor\.tasks"):
        load_pipeline(path, ["executor.tasks=-2"])
    with pytest.raises(ConfigError, match="KEY.PATH=VALUE"):
        load_pipeline(path, ["executor.tasks"])
    with pytest.raises(ConfigError, match="no list item named 'nope'"):
        load_pipeline(path, ["inputs.nope.path=x"])


def test_apply_overrides_creates_nested_keys():
    raw = apply_overrides({"a": [{"name": "x", "v": 1}]}, ["b.c.d=true", "a.x.v=2", "a.0.w=[1, 2]"])
    assert raw == {"a": [{"name": "x", "v": 2, "w": [1, 2]}], "b": {"c": {"d": True}}}


def test_a_star_sets_every_item_of_a_list():
    raw = {"inputs": [{"source": "a", "path": "x"}, {"source": "b", "path": "y"}], "stages": []}
    raw = apply_overrides(raw, ["inputs.*.path=/data/input.txt", "inputs.b.license=CC0"])
    assert [i["path"] for i in raw["inputs"]] == ["/data/input.txt"] * 2 and raw["inputs"][1]["license"] == "CC0"
    with pytest.raises(ConfigError, match=r"stages\.\*: the list is empty"):
        apply_overrides(raw, ["stages.*.name=x"])


def test_tinyshakespeare_pipeline_takes_its_file_from_one_override():
    root = Path(__file__).resolve().parents[2]
    cfg = load_pipeline(root / "pipelines" / "tinyshakespeare.yaml", ["inputs.*.path=/elsewhere/input.txt"])
    assert [(i.path, i.slice, i.split) for i in cfg.inputs] == [
        ("/elsewhere/input.txt", (0.0, 0.9), "train"),
        ("/elsewhere/input.txt", (0.9, 1.0), "val"),
    ]


def test_resolved_config_dump_round_trips(tmp_path):
    cfg = load_pipeline(write(tmp_path, MINIMAL), ["executor.workers=2"])
    again = load_pipeline(write(tmp_path, cfg.dump()))
    assert again == cfg


def test_page_furniture_options_reach_the_formatter(tmp_path):
    from fonderie.pipeline.stages.base import build_plans

    sample = ROOT / "pipelines" / "sample.yaml"
    pf = "stages.clean.page_furniture"
    sets = [f"output={tmp_path}", f"{pf}.languages=[de, fr]", f"{pf}.join_hyphens=false", f"{pf}.inline_heads=true"]
    clean = next(p for p in build_plans(load_pipeline(sample, sets)) if p.name == "clean")
    (formatter,) = [s for s in clean.main.pipeline if type(s).__name__ == "PageFurnitureFormatter"]
    assert formatter.options == {"inline_heads": True, "join_hyphens": False, "languages": ("de", "fr")}
    with pytest.raises(ConfigError, match=r"stages\.clean\.page_furniture.*languages=\('xx',\)"):
        build_plans(load_pipeline(sample, [f"output={tmp_path}", "stages.clean.page_furniture.languages=[xx]"]))


def test_set_typos_get_the_same_suggestions(tmp_path):
    """`--set` writes into the mapping before validation: a typo in its key is named like one in the file."""
    path = write(tmp_path, MINIMAL)
    with pytest.raises(ConfigError, match=r"stages\.0\.ingest\.extracter: no such key; did you mean extractor\?$"):
        load_pipeline(path, ["stages.ingest.extracter=resiliparse"])
    with pytest.raises(ConfigError, match=r"inputs\.0\.licence: no such key; did you mean license\?$"):
        load_pipeline(path, ["inputs.web.licence=CC0"])
    with pytest.raises(ConfigError, match=r"--set stages\.ingets: no list item named 'ingets'; did you mean ingest"):
        load_pipeline(path, ["stages.ingets.extractor=resiliparse"])
    with pytest.raises(ConfigError, match=r"--set inputs\.zz: no list item named 'zz'; items: web, 0-0, \*$"):
        load_pipeline(path, ["inputs.zz.path=x"])


def test_a_threshold_typo_names_the_valid_thresholds(tmp_path):
    from fonderie.pipeline.stages.base import build_plans

    sample = ROOT / "pipelines" / "sample.yaml"
    fineweb = "stages.clean.quality.fineweb"
    with pytest.raises(ConfigError) as e:
        build_plans(load_pipeline(sample, [f"output={tmp_path}", f"{fineweb}.char_duplicates_ration=0.1"]))
    assert str(e.value) == f"{fineweb}.char_duplicates_ration: no such threshold; did you mean char_duplicates_ratio?"
    with pytest.raises(ConfigError, match=r"c4\.zzz: no such threshold; expected one of .*min_words_per_line"):
        build_plans(load_pipeline(sample, [f"output={tmp_path}", "stages.clean.quality.c4.zzz=1"]))
