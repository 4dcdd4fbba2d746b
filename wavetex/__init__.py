"""wavetex: texture synthesis with generalized-rectifier wavelet covariance statistics.

The ALPHA model of Brochard, Zhang & Mallat (ICLR 2022): Morlet wavelets,
generalized rectifiers ReLU(Re(e^{iα} z)), and covariances across scales,
orientations, phases and spatial shifts, plus low-pass and Haar terms.
"""

__version__ = "0.1.0"

from .errors import ParameterError, SynthesisError  # noqa: E402
from .config import SEED_MAX, ModelConfig, SynthesisConfig  # noqa: E402
from .statistics import StatisticsIndex, TextureStatistics, shift_set  # noqa: E402
from .result import SynthesisResult  # noqa: E402
from .synthesis import synthesize  # noqa: E402
from .memorization import MemorizationReport, probe  # noqa: E402
from .constrained import extend, inpaint, make_tileable  # noqa: E402
from . import io, masks, memorization  # noqa: E402

__all__ = [
    "ModelConfig",
    "StatisticsIndex",
    "TextureStatistics",
    "shift_set",
    "SynthesisConfig",
    "SynthesisError",
    "ParameterError",
    "SEED_MAX",
    "SynthesisResult",
    "synthesize",
    "inpaint",
    "extend",
    "make_tileable",
    "MemorizationReport",
    "probe",
    "io",
    "masks",
    "memorization",
    "__version__",
]
