"""The ``wavetex`` command line, end to end through click's CliRunner.

Every synthesis here is tiny (32×32 pixels, J = 3, two or three iterations) so the file
runs in seconds on one CPU thread.
"""

import json
import subprocess
import sys

import click
import numpy as np
import pytest
import torch
from wavetex_cli import synth as synth_module
from wavetex_cli.main import cli

import wavetex
from wavetex import SynthesisResult, TextureStatistics, textures
from wavetex.io import read_image, write_image
from cli_checks import assert_error, assert_ok, invoke

FAST = ["--n-scales", "3", "--max-iter", "2", "--coarse-iter", "0", "--quiet"]


def snapshot(folder):
    """Every file below ``folder`` with its bytes."""
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def images(tmp_path, monkeypatch):
    """Tiny inputs in a fresh working directory."""
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    write_image(tmp_path / "tiny.png", rng.random((32, 32)))
    write_image(tmp_path / "rgb.png", rng.random((32, 32, 3)))
    (tmp_path / "text.png").write_text("this is not an image")
    data = (tmp_path / "rgb.png").read_bytes()
    (tmp_path / "trunc.png").write_bytes(data[: len(data) // 2])
    return tmp_path


# ------------------------------------------------------------------ synth


def test_synth_end_to_end(images):
    result = invoke("synth", "tiny.png", "-o", "out.png", "--seed", 3, *FAST)
    assert_ok(result)
    assert result.stdout == ""  # --quiet
    assert {"out.png", "out.json", "out.npy"} <= {p.name for p in images.iterdir()}
    assert read_image("out.png").shape == (32, 32)
    sidecar = json.loads((images / "out.json").read_text())
    assert sidecar["versions"]["wavetex"] == wavetex.__version__
    assert sidecar["seeds"] == [3] and sidecar["config"]["seed"] == 3
    assert sidecar["config"]["model"]["n_scales"] == 3
    assert sidecar["config"]["max_iter"] == 2
    assert sidecar["extra"]["input"] == {"path": str((images / "tiny.png").resolve())}
    assert sidecar["interrupted"] is False
    loaded = SynthesisResult.load("out.png")
    assert loaded.config.seed == 3 and loaded.extra["input"]["path"].endswith("tiny.png")


def test_the_sidecar_keeps_the_coarse_stage_the_api_records(images):
    """The CLI adds its own record (input, gray) beside the library's extra, never instead of it."""
    import wavetex

    assert_ok(invoke("synth", "tiny.png", "-o", "c.png", "--n-scales", 3, "--max-iter", 2, "--quiet"))
    extra = json.loads((images / "c.json").read_text())["extra"]
    api = wavetex.synthesize(read_image(images / "tiny.png"), config=wavetex.SynthesisConfig(
        max_iter=2, model=wavetex.ModelConfig(n_scales=3)))
    assert "coarse" in api.extra and "coarse" in extra
    assert extra["coarse"]["iterations"] == api.extra["coarse"]["iterations"]
    assert extra["input"]["path"].endswith("tiny.png") and extra["gray"] is False


def test_coarse_iter_sets_the_coarse_stage_and_is_checked(images):
    options = ["--n-scales", 3, "--max-iter", 2, "--quiet"]
    assert_ok(invoke("synth", "tiny.png", "-o", "c.png", "--coarse-iter", 0, *options))
    sidecar = json.loads((images / "c.json").read_text())
    assert sidecar["config"]["coarse_iter"] == 0 and "coarse" not in sidecar["extra"]
    assert_ok(invoke("synth", "tiny.png", "-o", "d.png", "--coarse-iter", 3, *options))
    assert json.loads((images / "d.json").read_text())["extra"]["coarse"]["iterations"] == [3]
    refused = invoke("synth", "tiny.png", "-o", "e.png", "--coarse-iter", -1, *options)
    assert refused.exit_code == 2 and "--coarse-iter" in refused.stderr and not (images / "e.png").exists()


def test_same_seed_gives_identical_bytes(images):
    assert_ok(invoke("synth", "tiny.png", "-o", "a.png", "--seed", 1, *FAST))
    assert_ok(invoke("synth", "tiny.png", "-o", "b.png", "--seed", 1, *FAST))
    assert_ok(invoke("synth", "tiny.png", "-o", "c.png", "--seed", 2, *FAST))
    assert (images / "a.png").read_bytes() == (images / "b.png").read_bytes()
    assert (images / "a.png").read_bytes() != (images / "c.png").read_bytes()


def test_two_samples_give_two_images(images):
    assert_ok(invoke("synth", "tiny.png", "-o", "s.png", "--n-samples", 2, *FAST))
    assert (images / "s_0.png").is_file() and (images / "s_1.png").is_file()
    assert not (images / "s.png").exists()
    sidecar = json.loads((images / "s.json").read_text())
    assert sidecar["files"]["images"] == ["s_0.png", "s_1.png"]
    assert np.load(images / "s.npy").shape == (2, 32, 32)


def test_default_output_name_and_summary(images):
    result = invoke("synth", "tiny.png", "--n-scales", 3, "--max-iter", 2)
    assert_ok(result)
    assert (images / "tiny_synth.png").is_file() and (images / "tiny_synth.json").is_file()
    summary = " ".join(result.stdout.split())
    for fragment in ("Synthesised 1 sample of 32×32 pixels (gray)", "2 iterations", "statistics error",
                     "stopped at --max-iter 2;", "tiny_synth.png", "tiny_synth.json", "tiny_synth.npy"):
        assert fragment in summary
    assert "converged" not in summary  # a capped run says how it stopped
    assert "synthesis" not in result.stderr and "\r" not in result.stderr  # no bar: stderr is no terminal


def test_progress_bar_only_on_a_terminal(images, monkeypatch):
    from wavetex_cli import _options

    monkeypatch.setattr(_options, "_stderr_is_terminal", lambda: True)
    result = invoke("synth", "tiny.png", "-o", "bar.png", "--n-scales", 3, "--max-iter", 2)
    assert_ok(result)
    assert "synthesis" in result.stderr  # the progress bar


def test_top_level_help_shows_each_command_in_full():
    commands = invoke("--help").output.split("Commands:")[1]
    assert "..." not in commands
    for name, command in cli.commands.items():
        assert command.get_short_help_str(limit=200) in " ".join(commands.split()), name


def test_help_shows_ranges_and_they_are_checked_before_anything_else(images):
    help_text = invoke("synth", "--help").output
    assert "1<=x<=10" in help_text and "x>=1" in help_text and "x>0" in help_text
    # The input does not exist: the range is still reported first, naming the option.
    for flag, value in (("--n-scales", 0), ("--max-iter", 0), ("--threads", 0), ("--time-budget", 0)):
        result = invoke("synth", "missing.png", flag, value)
        assert result.exit_code == 2 and flag in result.stderr and "missing.png" not in result.stderr, flag


def test_threads_sets_the_number_of_torch_threads(images):
    import torch

    before = torch.get_num_threads()
    try:
        result = invoke("synth", "tiny.png", "-o", "t.png", "--threads", 1, *FAST)
        assert_ok(result)
        assert torch.get_num_threads() == 1
        invoke("stats", "tiny.png", "-o", "t.npz", "--n-scales", 3, "--threads", 2)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_bundled_texture_as_input(images):
    result = invoke("synth", "gravel", "--size", "32x32", *FAST)
    assert_ok(result)
    assert read_image(images / "gravel_synth.png").shape == (32, 32)
    sidecar = json.loads((images / "gravel_synth.json").read_text())
    assert sidecar["extra"]["input"]["texture"] == "gravel"


def test_a_file_wins_over_a_texture_name(images):
    (images / "gravel").write_bytes((images / "rgb.png").read_bytes())  # a colour PNG named "gravel"
    assert_ok(invoke("synth", "gravel", "-o", "g.png", *FAST))
    assert read_image(images / "g.png").shape == (32, 32, 3)  # the file, not the gray texture


def test_colour_and_gray(images):
    assert_ok(invoke("synth", "rgb.png", "-o", "colour.png", *FAST))
    assert_ok(invoke("synth", "rgb.png", "-o", "gray.png", "--gray", *FAST))
    assert read_image(images / "colour.png").shape == (32, 32, 3)
    assert read_image(images / "gray.png").shape == (32, 32)
    assert np.load(images / "gray.npy").shape == (1, 32, 32)
    assert json.loads((images / "gray.json").read_text())["extra"]["gray"] is True


@pytest.mark.parametrize("size, shape", [("48x32", (32, 48)), ("40", (40, 40)), ("32×48", (48, 32))])
def test_size_is_width_by_height(images, size, shape):
    assert_ok(invoke("synth", "tiny.png", "-o", "sized.png", "--size", size, *FAST))
    assert read_image(images / "sized.png").shape == shape
    assert json.loads((images / "sized.json").read_text())["config"]["size"] == list(shape)


def test_force_replaces_outputs(images):
    (images / "out.png").write_bytes(b"old")
    assert_ok(invoke("synth", "tiny.png", "-o", "out.png", "--force", *FAST))
    assert read_image(images / "out.png").shape == (32, 32)


def test_force_replaces_the_statistics_file(images):
    (images / "old.npz").write_bytes(b"old")
    refused = invoke("stats", "tiny.png", "-o", "old.npz", "--n-scales", 3)
    assert refused.exit_code != 0 and "--force" in refused.stderr
    assert (images / "old.npz").read_bytes() == b"old"
    assert_ok(invoke("stats", "tiny.png", "-o", "old.npz", "--n-scales", 3, "--force"))
    assert np.load(images / "old.npz")["values"].size > 0


def test_bit_depth_16(images):
    assert_ok(invoke("synth", "tiny.png", "-o", "deep.png", "--bit-depth", 16, *FAST))
    from PIL import Image

    with Image.open(images / "deep.png") as image:
        assert image.mode.startswith("I")


def test_interrupt_saves_best_images_and_exits_130(images, monkeypatch):
    real = synth_module.synthesize

    def interrupted_at_step_2(exemplar, **kwargs):
        def callback(step, images, losses):
            if step == 2:
                raise KeyboardInterrupt

        return real(exemplar, callback=callback, **kwargs)

    monkeypatch.setattr(synth_module, "synthesize", interrupted_at_step_2)
    result = invoke("synth", "tiny.png", "-o", "cut.png", "--n-scales", 3, "--max-iter", 10, "--quiet")
    assert result.exit_code == 130, result.output
    assert "Traceback" not in result.output
    assert "Interrupted" in result.stderr
    assert read_image(images / "cut.png").shape == (32, 32)
    sidecar = json.loads((images / "cut.json").read_text())
    assert sidecar["interrupted"] is True
    assert sidecar["stop_reasons"] == ["interrupted"]


# ------------------------------------------------------------------ errors

NAMES = ", ".join(textures.names())

ERRORS = {
    "missing file": (["synth", "missing.png"], ["missing.png", "check the path"]),
    "not an image": (["synth", "text.png"], ["text.png", "not a readable image"]),
    "truncated": (["synth", "trunc.png"], ["trunc.png", "truncated"]),
    "a folder": (["synth", "."], ["folder"]),
    "too small for J": (["synth", "tiny.png"], ["--n-scales 5", "--n-scales 4 or less"]),
    "output too small for J": (["synth", "tiny.png", "--n-scales", "3", "--size", "8"], ["--n-scales 2 or less"]),
    "size zero": (["synth", "tiny.png", "--n-scales", "3", "--size", "0"], ["--size", "0 pixels"]),
    "size zero height": (["synth", "tiny.png", "--n-scales", "3", "--size", "16x0"], ["--size", "0 pixels"]),
    "size negative": (["synth", "tiny.png", "--n-scales", "3", "--size", "-4x8"], ["--size", "WIDTHxHEIGHT"]),
    "size malformed": (["synth", "tiny.png", "--n-scales", "3", "--size", "10x"], ["--size", "WIDTHxHEIGHT"]),
    "size words": (["synth", "tiny.png", "--n-scales", "3", "--size", "big"], ["--size", "WIDTHxHEIGHT"]),
    "size huge": (["synth", "tiny.png", "--n-scales", "3", "--size", "100000x100000"], ["too large"]),
    "size enormous": (["synth", "tiny.png", "--n-scales", "3", "--size", "9" * 30], ["too large"]),
    "output exists": (["synth", "tiny.png", "--n-scales", "3", "-o", "exists.png"], ["exists.png", "--force"]),
    "sidecar exists": (["synth", "tiny.png", "--n-scales", "3", "-o", "sidecar.png"], ["sidecar.json", "--force"]),
    "output folder missing": (["synth", "tiny.png", "--n-scales", "3", "-o", "nowhere/out.png"],
                              ["nowhere", "does not exist"]),
    "output is input": (["synth", "tiny.png", "--n-scales", "3", "-o", "tiny.png", "--force"], ["input", "-o"]),
    "output is input by another name": (["synth", "tiny.png", "--n-scales", "3", "-o", "./sub/../tiny.png", "--force"],
                                        ["input"]),
    "unknown output format": (["synth", "tiny.png", "--n-scales", "3", "-o", "out.txt"], [".png"]),
    "16 bits in JPEG": (["synth", "tiny.png", "--n-scales", "3", "-o", "out.jpg", "--bit-depth", "16"],
                        ["--bit-depth 8"]),
    "unknown texture": (["synth", "nosuch"], ["nosuch", NAMES]),
    "unknown device": (["synth", "tiny.png", "--n-scales", "3", "--device", "tpu"], ["tpu"]),
    "negative seed": (["synth", "tiny.png", "--n-scales", "3", "--seed", "-1"], ["--seed"]),
    "zero samples": (["synth", "tiny.png", "--n-scales", "3", "--n-samples", "0"], ["--n-samples"]),
    "bad orientation count": (["synth", "tiny.png", "--n-scales", "3", "--n-orientations", "0"], ["--n-orientations"]),
    "zero time budget": (["synth", "tiny.png", "--n-scales", "3", "--time-budget", "0"], ["--time-budget"]),
    "bad schedule": (["synth", "tiny.png", "--schedule", "slow"], ["--schedule"]),
    "stats missing file": (["stats", "missing.png"], ["missing.png"]),
    "stats too small": (["stats", "tiny.png"], ["--n-scales 4 or less"]),
    "stats colour against gray": (["stats", "rgb.png", "--n-scales", "3", "--reference", "tiny.png"], ["--gray"]),
    "stats output exists": (["stats", "tiny.png", "--n-scales", "3", "-o", "exists.npz"], ["--force"]),
    "stats output is input": (["stats", "tiny.png", "--n-scales", "3", "--reference", "rgb.png", "--gray",
                               "-o", "rgb.png", "--force"], ["input"]),
    "stats output folder missing": (["stats", "tiny.png", "--n-scales", "3", "-o", "nowhere/s.npz"], ["nowhere"]),
    "stats unknown reference": (["stats", "tiny.png", "--n-scales", "3", "--reference", "nosuch"], [NAMES]),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_are_one_line_and_write_nothing(images, case):
    args, fragments = ERRORS[case]
    (images / "exists.png").write_bytes(b"keep me")
    (images / "exists.npz").write_bytes(b"keep me")
    (images / "sidecar.json").write_bytes(b"keep me")
    (images / "sub").mkdir()
    before = snapshot(images)
    assert_error(invoke(*args), *fragments)
    assert snapshot(images) == before


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without a CUDA GPU")
def test_cuda_without_gpu(images):
    before = snapshot(images)
    assert_error(invoke("synth", "tiny.png", "--n-scales", 3, "--device", "cuda"), "--device cpu")
    assert snapshot(images) == before


def test_library_errors_become_click_errors():
    from wavetex_cli._errors import library_errors

    for error in (ValueError("v"), TypeError("t"), FileNotFoundError("f"), FileExistsError("e\nf"),
                  wavetex.SynthesisError("loss became nan; try {}", ("dtype", "float64"))):
        with click.Context(cli.commands["synth"]):
            with pytest.raises(click.ClickException) as caught:
                with library_errors():
                    raise error
        assert "\n" not in caught.value.format_message()
    # arguments are named by the running command's own options, found by name, not by text
    assert caught.value.format_message() == "loss became nan; try --dtype float64"
    with pytest.raises(click.ClickException) as caught:
        with library_errors():  # outside any command: the Python spelling stays
            raise error
    assert caught.value.format_message() == "loss became nan; try dtype='float64'"


# ------------------------------------------------------------------ stats


def test_stats_writes_npz(images):
    result = invoke("stats", "tiny.png", "--n-scales", 3, "-o", "own.npz")
    assert_ok(result)
    n_stats = TextureStatistics(torch.from_numpy(read_image("tiny.png")), n_scales=3).n_stats
    with np.load(images / "own.npz") as data:
        assert data["values"].dtype == np.float64 and data["values"].shape == (n_stats,)
        assert data["kind"].shape == (n_stats,) and data["shift"].shape == (n_stats, 2)
        assert json.loads(str(data["config"]))["n_scales"] == 3
        assert json.loads(str(data["provenance"]))["input"]["path"].endswith("tiny.png")
        own = data["values"]
    for block in ("wavelet", "lowpass", "haar"):
        assert block in result.stdout
    assert str(n_stats) in result.stdout and "own.npz" in result.stdout

    assert_ok(invoke("stats", "tiny.png", "--n-scales", 3, "-o", "ref.npz", "--reference", "gravel"))
    with np.load(images / "ref.npz") as data:
        assert data["values"].shape == (n_stats,)
        assert not np.allclose(data["values"], own)
        assert json.loads(str(data["provenance"]))["reference"]["texture"] == "gravel"
    assert not [p for p in images.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_stats_default_name_and_gray(images):
    assert_ok(invoke("stats", "rgb.png", "--n-scales", 3, "--gray"))
    with np.load(images / "rgb_stats.npz") as data:
        assert json.loads(str(data["provenance"]))["n_colours"] == 1


# ------------------------------------------------------------------ textures, help, version


def test_textures_lists_every_bundled_texture():
    result = invoke("textures")
    assert_ok(result)
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:]}
    assert sorted(rows) == textures.names()
    for row in textures.info():
        assert row["licence"] in rows[row["name"]] and row["mode"] in rows[row["name"]]
        assert f" {row['source']} " in rows[row["name"]]  # drawn textures say so


@pytest.mark.parametrize("name", sorted(cli.commands))
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_lists_every_option(name, flag):
    command = cli.commands[name]
    result = invoke(name, flag)
    assert_ok(result)
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{name} {param.opts} has no help text"
            for opt in param.opts + param.secondary_opts:
                assert opt in result.stdout, f"{opt} missing from `wavetex {name} --help`"


def test_group_help_and_version():
    result = invoke("-h")
    assert_ok(result)
    for name in cli.commands:
        assert name in result.stdout
    result = invoke("--version")
    assert_ok(result)
    assert result.stdout.strip() == f"wavetex {wavetex.__version__}"


def test_defaults_come_from_the_library():
    options = {p.name: p for p in cli.commands["synth"].params}
    config = wavetex.SynthesisConfig()
    for name in ("seed", "n_samples", "schedule", "max_iter", "time_budget", "device", "dtype", "init",
                 "histogram_match", "size"):
        assert options[name].default == getattr(config, name), name
    for name, value in wavetex.ModelConfig().to_dict().items():
        assert options[name].default == value, name


def test_import_wavetex_does_not_import_click():
    code = "import sys, wavetex; assert 'click' not in sys.modules, 'wavetex imported click'"
    subprocess.run([sys.executable, "-c", code], check=True)
