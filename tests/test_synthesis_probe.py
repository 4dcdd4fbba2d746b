import numpy as np
from skimage import data

import wavetex

GRAVEL = data.gravel()[:64, :64] / 255.0


def test_probe_checkpoints_record_memorization_during_synthesis():
    result = wavetex.synthesize(GRAVEL, n_scales=3, max_iter=6, probe_every=3, n_samples=2, progress=False)
    assert [c["iteration"] for c in result.probe_history] == [3, 6]
    for checkpoint in result.probe_history:
        assert len(checkpoint["samples"]) == 2
        for sample in checkpoint["samples"]:
            assert sample["verdict"] in {"novel", "suspicious", "copy", "indeterminate", "undefined"}
            assert np.isfinite(sample["global_match"])
