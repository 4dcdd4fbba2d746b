"""Hostile inputs and faults through the command line (and the API where it applies).

Each case must end in one ``Error:`` line that names the problem and a fix, with no
traceback, no output left behind (no file, no empty folder) and the inputs untouched.
"""

import io
import json
import os
import signal
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import wavetex
from wavetex.io import MAX_PIXELS, read_image, write_image
from wavetex_cli._finish import sigterm_as_ctrl_c
from cli_checks import assert_error, invoke

SEED_MAX = 2**63 - 1


def snapshot(folder: Path) -> dict:
    """Every file (with its bytes), symbolic link (with its target) and folder below ``folder``."""
    return {
        path.relative_to(folder): ("link", os.readlink(path)) if path.is_symlink()
        else path.read_bytes() if path.is_file() else "folder"
        for path in sorted(folder.rglob("*"))
    }


def png_chunk(chunk_type: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + chunk_type + body + struct.pack(">I", zlib.crc32(chunk_type + body))


def png_claiming_size(width: int, height: int) -> bytes:
    """A tiny valid PNG whose header claims ``width`` × ``height`` pixels."""
    buffer = io.BytesIO()
    Image.new("L", (4, 4), 128).save(buffer, format="PNG")
    data = buffer.getvalue()
    return data[:8] + png_chunk(b"IHDR", struct.pack(">II", width, height) + data[24:29]) + data[33:]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """Hostile and ordinary inputs in a fresh working directory."""
    import tifffile

    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    write_image(tmp_path / "ok.png", rng.random((64, 64)))
    write_image(tmp_path / "small.png", rng.random((20, 20)))
    write_image(tmp_path / "thin.png", rng.random((2000, 2)))
    write_image(tmp_path / "const.png", np.full((64, 64), 0.5))
    (tmp_path / "bomb.png").write_bytes(png_claiming_size(60000, 60000))
    (tmp_path / "big.png").write_bytes(png_claiming_size(10000, 10000))
    gray_nan = rng.random((64, 64)).astype(np.float32) * 0.9
    gray_nan[3, 5] = np.nan
    tifffile.imwrite(tmp_path / "nan.tif", gray_nan)
    colour_nan = rng.random((64, 64, 3)).astype(np.float32) * 0.9
    colour_nan[7, 1, 2] = np.nan
    tifffile.imwrite(tmp_path / "nan_rgb.tif", colour_nan, photometric="rgb")
    (tmp_path / "afile").write_text("a regular file")
    mask = np.zeros((64, 64))
    mask[24:40, 24:40] = 1.0
    write_image(tmp_path / "mask.png", mask)
    (tmp_path / "loop.png").symlink_to("loop.png")  # a symbolic link loop
    (tmp_path / "loopdir").symlink_to("loopdir")
    return tmp_path


PIXEL_CAP = [f"{MAX_PIXELS:,} pixels", "Downscale"]
FAST = ["--n-scales", "3", "--max-iter", "2", "--coarse-iter", "0", "--quiet"]

CASES = {
    # 1. a header claiming 60000×60000 pixels, as every kind of input
    "bomb synth": (["synth", "bomb.png"], PIXEL_CAP + ["3600000000"]),
    "bomb stats": (["stats", "bomb.png"], PIXEL_CAP),
    "bomb stats reference": (["stats", "ok.png", "--reference", "bomb.png"], PIXEL_CAP),
    "bomb probe synthesis": (["probe", "bomb.png", "gravel", "-o", "p"], PIXEL_CAP),
    "bomb probe exemplar": (["probe", "ok.png", "bomb.png", "-o", "p"], PIXEL_CAP),
    # 2. NaN pixels are called NaN
    "nan gray tiff": (["synth", "nan.tif", *FAST], ["NaN", "nan_to_num"]),
    "nan colour tiff": (["synth", "nan_rgb.tif", *FAST], ["NaN", "nan_to_num"]),
    "nan stats": (["stats", "nan.tif", "--n-scales", "3"], ["NaN"]),
    # 3. width first like --size, and a fix that does not contradict the limit
    "2 wide 2000 high": (["synth", "thin.png"], ["2×2000 pixels (width×height)", "at least 64 pixels wide and high"]),
    # 4. probe: crop sizes the synthesis or exemplar cannot hold, in the command's words
    "probe synthesis smaller than a crop": (["probe", "small.png", "gravel", "-o", "p"],
                                            ["20×20", "--crop-size 20 or less"]),
    "probe crop size 0": (["probe", "ok.png", "gravel", "-o", "p", "--crop-size", "0"], ["--crop-size", "16"]),
    "probe crop size 500": (["probe", "ok.png", "gravel", "-o", "p", "--crop-size", "500"], ["--crop-size", "got 500"]),
    "probe into a file": (["probe", "ok.png", "gravel", "-o", "afile/p"], ["'afile' is a file"]),
    # 5. an output "folder" that is a regular file
    "output inside a file": (["synth", "ok.png", "-o", "afile/out.png", *FAST], ["'afile' is a file, not a folder"]),
    "output two levels inside a file": (["synth", "ok.png", "-o", "afile/sub/out.png", *FAST], ["'afile' is a file"]),
    "stats output inside a file": (["stats", "ok.png", "-o", "afile/s.npz"], ["'afile' is a file"]),
    # 7. seeds beyond torch's 63 bits
    "seed 2**64": (["synth", "ok.png", "--seed", 2**64, *FAST], ["--seed", str(SEED_MAX)]),
    "seed 2**63": (["synth", "ok.png", "--seed", 2**63, *FAST], ["--seed", str(SEED_MAX)]),
    "seed + samples beyond": (["synth", "ok.png", "--seed", SEED_MAX, "--n-samples", 2, *FAST],
                              ["--n-samples 2", "--seed is 9223372036854775806"]),
    # 10. a 10000×10000 input is refused before decoding
    "10000x10000 synth": (["synth", "big.png"], PIXEL_CAP + ["10000×10000"]),
    "10000x10000 stats": (["stats", "big.png"], PIXEL_CAP + ["10000×10000"]),
    "10000x10000 probe": (["probe", "big.png", "gravel"], PIXEL_CAP),
    # report and sweep make their folder only once there is work to put in it
    "report unreadable": (["report", "bomb.png", "-o", "r", *FAST], PIXEL_CAP),
    # the probe needs 64 pixels a side whatever the scales: checked before any synthesis
    "sweep too small": (["sweep", "small.png", "-o", "s", "--quiet"], ["at least 64x64"]),
    # 11. symbolic link loops as input, mask or output (RuntimeError tracebacks before)
    **{f"loop {name}": (args, ["loop", "symbolic link loop", "another path"]) for name, args in {
        "synth input": ["synth", "loop.png", *FAST],
        "synth output": ["synth", "ok.png", "-o", "loop.png", *FAST],
        "synth output forced": ["synth", "ok.png", "-o", "loop.png", "--force", *FAST],
        "stats input": ["stats", "loop.png", "--n-scales", "3"],
        "stats output": ["stats", "ok.png", "--n-scales", "3", "-o", "loop.png"],
        "probe synthesis": ["probe", "loop.png", "gravel", "-o", "p"],
        "probe exemplar": ["probe", "ok.png", "loop.png", "-o", "p"],
        "probe output folder": ["probe", "ok.png", "gravel", "-o", "loopdir"],
        "inpaint input": ["inpaint", "loop.png", "--mask", "mask.png", *FAST],
        "inpaint mask": ["inpaint", "ok.png", "--mask", "loop.png", *FAST],
        "inpaint exemplar": ["inpaint", "ok.png", "--mask", "mask.png", "--exemplar", "loop.png", *FAST],
        "inpaint output": ["inpaint", "ok.png", "--mask", "mask.png", "-o", "loop.png", *FAST],
        "extend output": ["extend", "ok.png", "--size", "80", "-o", "loop.png", *FAST],
        "tile output": ["tile", "ok.png", "--band", "8", "-o", "loop.png", *FAST],
        "report input": ["report", "loop.png", "-o", "r", *FAST],
        "sweep output folder": ["sweep", "ok.png", "-o", "loopdir", "--quiet"],
    }.items()},
    # 12. every command's counts go through one checked option (tile/inpaint/extend gave tracebacks)
    **{f"{command[0]} --n-samples {count}": ([*command, "--n-samples", count, *FAST], ["--n-samples", str(count)])
       for command in (["synth", "ok.png"], ["tile", "ok.png", "--band", "8"], ["extend", "ok.png", "--size", "80"],
                       ["inpaint", "ok.png", "--mask", "mask.png"], ["report", "ok.png", "-o", "r"])
       for count in (0, -3)},
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_input_ends_in_one_line_and_leaves_nothing(folder, case):
    args, fragments = CASES[case]
    before = snapshot(folder)
    result = invoke(*args)
    assert_error(result, *fragments, absent=("Pass None", "mkdir", ".tmp", "Errno"))
    assert snapshot(folder) == before


def test_ctrl_c_while_the_command_line_imports_exits_130_without_a_traceback():
    """The console script catches KeyboardInterrupt around its imports (here raised by an
    import hook while wavetex_cli.main loads, where a real Ctrl-C lands)."""
    code = (
        "import sys\n"
        "class CtrlC:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'wavetex_cli.main':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, CtrlC())\n"
        "sys.argv = ['wavetex', 'textures']\n"
        "from wavetex_cli._entry import main\n"
        "main()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 130, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert result.stderr.strip().splitlines() == ["Interrupted while starting; nothing was done."]


def test_the_console_script_is_the_entry_that_catches_ctrl_c():
    import tomllib

    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"]["wavetex"] == "wavetex_cli._entry:main"
    result = subprocess.run([sys.executable, "-m", "wavetex_cli", "textures"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0 and "gravel" in result.stdout, result.stderr


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
@pytest.mark.parametrize("command", [["synth", "ok.png", *FAST], ["stats", "ok.png", "--n-scales", "3"]])
def test_an_output_folder_that_refuses_files_is_named_before_any_work(folder, command):
    before = snapshot(folder)
    target = "/proc/out.npz" if command[0] == "stats" else "/proc/out.png"
    assert_error(invoke(*command, "-o", target), "cannot write files in the output folder '/proc'",
                 absent=(".tmp", "[Errno"))
    assert snapshot(folder) == before


def test_the_library_names_the_folder_not_its_temporary_file(tmp_path):
    from wavetex.io import write_json

    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who may write anywhere")
        with pytest.raises(PermissionError) as caught:
            write_json(locked / "out.json", {})
        assert str(locked) in str(caught.value) and ".tmp" not in str(caught.value)
    finally:
        locked.chmod(0o700)


def test_probe_of_a_flat_image_prints_no_numpy_warning(folder):
    result = invoke("probe", "const.png", "gravel", "-o", "p")
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.output and "nan" not in result.output
    assert "flat" in result.stdout


@pytest.mark.parametrize("seed", [2**64, 2**63, -1])
def test_api_refuses_seeds_torch_would_truncate(seed):
    exemplar = np.random.default_rng(0).random((32, 32))
    with pytest.raises(wavetex.ParameterError, match=str(SEED_MAX)) as caught:
        wavetex.synthesize(exemplar, seed=seed, n_scales=3, max_iter=1, coarse_iter=0, progress=False)
    assert caught.value.parameter == "seed"


def test_api_accepts_the_largest_seed_and_it_differs_from_seed_0():
    exemplar = np.random.default_rng(0).random((32, 32))
    largest = wavetex.synthesize(exemplar, seed=SEED_MAX, n_scales=3, max_iter=1, coarse_iter=0, progress=False)
    zero = wavetex.synthesize(exemplar, seed=0, n_scales=3, max_iter=1, coarse_iter=0, progress=False)
    assert largest.seeds == [SEED_MAX]
    assert not np.array_equal(largest.raw_images, zero.raw_images)
    with pytest.raises(wavetex.ParameterError, match="n_samples=2"):
        wavetex.synthesize(exemplar, seed=SEED_MAX, n_samples=2, n_scales=3, max_iter=1, coarse_iter=0, progress=False)


def test_library_errors_name_their_parameter_and_survive_pickling():
    import pickle

    with pytest.raises(wavetex.ParameterError) as caught:
        wavetex.TextureStatistics(np.random.default_rng(0).random((2000, 2)))
    error = caught.value
    assert error.parameter == "n_scales" and isinstance(error, ValueError)
    assert "2×2000 pixels (width×height)" in str(error) and "n_scales=1" in str(error)
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error) and copy.parameter == "n_scales"


# ------------------------------------------------------------------ SIGTERM

# Runs the real command line in a subprocess; the only addition is a callback that
# announces the optimisation and slows it down, so the signal lands in the middle of it.
SLOW_SYNTH = """
import sys, time
from wavetex_cli import synth as module
from wavetex_cli.main import cli

real = module.synthesize

def slow(exemplar, **kwargs):
    def callback(step, images, losses):
        if step == 1:
            print("optimising", flush=True)
        time.sleep(0.05)
    return real(exemplar, callback=callback, **kwargs)

module.synthesize = slow
cli(sys.argv[1:], prog_name="wavetex")
"""


def test_sigterm_during_synth_saves_the_best_images_like_ctrl_c(folder):
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_SYNTH, "synth", "ok.png", "-o", "cut.png",
         "--n-scales", "3", "--max-iter", "100000", "--quiet"],
        cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment,
    )
    try:
        assert process.stdout.readline().strip() == "optimising", process.stderr.read()
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "Interrupted" in stderr
    assert read_image(folder / "cut.png").shape == (64, 64)
    sidecar = json.loads((folder / "cut.json").read_text())
    assert sidecar["interrupted"] is True and sidecar["stop_reasons"] == ["interrupted"]


def test_the_sigterm_handler_is_restored_afterwards():
    before = signal.getsignal(signal.SIGTERM)
    with sigterm_as_ctrl_c():
        assert signal.getsignal(signal.SIGTERM) is not before
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGTERM)
    assert signal.getsignal(signal.SIGTERM) is before


def test_numpy_and_tensor_inputs_are_accepted_alike_by_statistics_and_synthesis():
    exemplar = np.random.default_rng(1).random((32, 32, 3))
    statistics = wavetex.TextureStatistics(exemplar, n_scales=3)
    result = wavetex.synthesize(exemplar, n_scales=3, max_iter=1, coarse_iter=0, progress=False)
    assert statistics.n_colours == 3 and result.images.shape == (1, 32, 32, 3)
    torch.testing.assert_close(statistics(exemplar), statistics.target)
