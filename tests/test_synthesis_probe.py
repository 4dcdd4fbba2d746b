import numpy as np
import pytest
from skimage import data

import wavetex
from wavetex.memorization import probe

GRAVEL = data.gravel()[:64, :64] / 255.0


def test_probe_checkpoints_record_memorization_during_synthesis():
    result = wavetex.synthesize(GRAVEL, n_scales=3, max_iter=6, coarse_iter=0, probe_every=3, n_samples=2, progress=False)
    assert [c["iteration"] for c in result.probe_history] == [3, 6]
    for checkpoint in result.probe_history:
        assert len(checkpoint["samples"]) == 2
        for sample in checkpoint["samples"]:
            # Six iterations from noise cannot copy the exemplar.
            assert sample["verdict"] == "novel"
            assert sample["copy_rate"] == 0.0 and sample["global_match"] < 0.5
    # The last checkpoint probed the final (raw) images: the same numbers as probing them now.
    for k, recorded in enumerate(result.probe_history[-1]["samples"]):
        direct = probe(result.raw_images[k], GRAVEL).to_dict()
        for key, value in recorded.items():
            assert value == (pytest.approx(direct[key]) if isinstance(value, float) else direct[key]), key
    assert np.all(np.isfinite([s["global_match"] for c in result.probe_history for s in c["samples"]]))
