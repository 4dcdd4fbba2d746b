"""Portilla–Simoncelli texture synthesis with plenoptic, following plenoptic's own recipe.

Reference point for the synthesis benchmarks: ``portilla_simoncelli_synthesis(image)``
synthesises a texture from a gray exemplar with plenoptic's ``PortillaSimoncelli`` model,
exactly as plenoptic (2.x, tested with 2.1.1) documents PS texture-metamer synthesis.

Colour: plenoptic's model has no colour statistics. It takes (batch, channel, H, W)
images and computes every statistic "independently for each batch and channel"
(``PortillaSimoncelli.forward``); there are no cross-channel terms (the colour extension
of Portilla & Simoncelli's original code is not in plenoptic). A colour exemplar is
therefore synthesised as a (1, 3, H, W) image with the same recipe: three independent
gray PS syntheses in one optimisation, whose colours are matched channel by channel
only. ``recipe`` says so.

Where the recipe comes from
---------------------------
plenoptic user guide, "Using the Portilla-Simoncelli model in plenoptic"
(``docs/user_guide/models_and_metrics/portilla_simoncelli/getting_started/
ps_basic_synthesis.md``, https://docs.plenoptic.org, "ps-basic-synth"); the same code is
in the installed package's ``PortillaSimoncelli`` class docstring ("Synthesize a texture
metamer") and its choices are justified in the "Portilla-Simoncelli optimization details"
page (``.../technical_details/ps_optimization.md``)::

    model = po.models.PortillaSimoncelli(img.shape[-2:]).to(DEVICE)
    loss = po.loss.portilla_simoncelli_loss_factory(model, img)
    met = po.Metamer(img, model, loss_function=loss)
    opt_kwargs = {"max_iter": 10, "max_eval": 10, "history_size": 100,
                  "line_search_fn": "strong_wolfe", "lr": 1}
    met.setup(optimizer=torch.optim.LBFGS, optimizer_kwargs=opt_kwargs)
    met.synthesize(max_iter=100)

So: model defaults (n_scales=4, n_orientations=4, spatial_corr_width=7); the PS loss
factory (L2 norm of the reweighted statistics: pixel min/max weighted 0, variance of the
highpass residual weighted 100); plain ``Metamer`` (not coarse-to-fine) with its default
range penalty (``po.regularize.penalize_range`` to [0, 1], ``penalty_lambda=0.1``);
LBFGS with the kwargs above (each outer iteration = one ``LBFGS.step`` of at most 10
inner iterations / 10 function evaluations); ``synthesize(max_iter=100)`` with the
default stop rule (``stop_criterion=1e-4``, ``stop_iters_to_check=50``: stop once the
loss changed by less than 1e-4 over the last 50 iterations), ``store_progress=False``.
The documentation says "For our documentation and tests, we have decided to use
``max_iter=100``" (its examples notebook uses 150 only for two synthetic figures).
The image is a (1, 1, H, W) float32 tensor (as ``po.load_images`` gives in the tutorial).

Initial image: ``Metamer.setup`` without ``initial_image`` uses
``rescale(torch.rand_like(image), 0, 1)`` from torch's global generator (the tutorial
seeds that with ``po.set_seed(1)``). To avoid global seeding we build that very tensor
from a ``torch.Generator`` seeded with ``seed`` and pass it as ``initial_image``; this
gives the same noise as ``torch.manual_seed(seed)`` followed by the default setup.
Everything after that (LBFGS) is deterministic and draws no random numbers.

Timing: ``seconds`` is ``time.perf_counter`` around ``met.synthesize`` only; model
construction, the loss factory, ``Metamer`` construction (which computes the target
statistics and runs plenoptic's model validation) and ``setup`` are excluded and
reported separately as ``setup_seconds``. plenoptic's docs recommend
``torch.set_num_threads(1)`` and ``OMP_NUM_THREADS=1`` on CPU; ``threads`` sets
``torch.set_num_threads`` for the call (``OMP_NUM_THREADS`` must be set by the caller,
before torch is imported).

How to run
----------
    OMP_NUM_THREADS=1 python -c "
    import numpy as np, skimage.data
    from benchmarks._portilla_simoncelli import portilla_simoncelli_synthesis as ps
    img = skimage.data.gravel()[:64, :64] / 255.0
    r = ps(img, seed=0, max_iter=20, threads=1)
    print(r['seconds'], r['iterations'], r['loss'], r['image'].shape)"

(run from the repository root; without ``max_iter`` it runs the documented 100
iterations / stop rule, which takes minutes at 256x256 on CPU). For the documented four
scales H and W must be divisible by 2**4 and at least 7 * 2**4 = 112; smaller images
(e.g. the 64x64 smoke test) fall back to the largest number of scales the model accepts
(3 at 64x64), which ``recipe`` flags. The returned image is the raw metamer (not
clipped; the range penalty keeps it close to [0, 1]).
"""

from __future__ import annotations

import time
import warnings

import numpy as np

# Documented settings (see module docstring).
DOC_N_SCALES = 4  # PortillaSimoncelli default
SPATIAL_CORR_WIDTH = 7  # PortillaSimoncelli default
DOC_MAX_ITER = 100
STOP_CRITERION = 1e-4
STOP_ITERS_TO_CHECK = 50
LBFGS_KWARGS = {
    "max_iter": 10,
    "max_eval": 10,
    "history_size": 100,
    "line_search_fn": "strong_wolfe",
    "lr": 1,
}


def _default_n_scales(shape: tuple[int, ...]) -> int:
    """Documented 4 scales, or fewer when the image is too small for them.

    The model needs H and W divisible by 2**n_scales and its coarsest band (side
    min(H, W) / 2**n_scales) at least ``spatial_corr_width`` pixels wide, else its
    autocorrelation crop fails.
    """
    for n in range(DOC_N_SCALES, 0, -1):
        if all(s % 2**n == 0 and s // 2**n >= SPATIAL_CORR_WIDTH for s in shape):
            return n
    raise ValueError(f"image shape {shape} too small for the Portilla-Simoncelli model")


def portilla_simoncelli_synthesis(
    image: np.ndarray,
    *,
    seed: int = 0,
    max_iter: int | None = None,
    threads: int | None = None,
    n_scales: int | None = None,
) -> dict:
    """Synthesise a texture from a gray image with plenoptic's Portilla–Simoncelli model.

    Follows plenoptic's documented recipe (see module docstring) and runs it to its stop
    rule: ``max_iter`` outer LBFGS iterations (documented: 100) or the loss convergence
    criterion, whichever comes first.

    Parameters
    ----------
    image
        Exemplar, shape (H, W) gray or (H, W, 3) colour (per-channel statistics, see the
        module docstring), float in [0, 1]; H and W divisible by 16.
    seed
        Seed of the uniform-noise initial image (a local ``torch.Generator``; the global
        RNG is not touched).
    max_iter
        Override of the documented ``max_iter=100`` (for testing only).
    threads
        If given, ``torch.set_num_threads(threads)`` for the duration of the call.
    n_scales
        Pyramid scales of the model. ``None`` (default): the documented 4 whenever the
        image allows it (min(H, W) >= 7 * 2**4 = 112), otherwise the largest number of
        scales the model accepts (coarsest band at least ``spatial_corr_width=7`` pixels
        wide; e.g. 3 for 64x64) -- a deviation from the recipe, reported in ``recipe``.

    Returns
    -------
    dict
        ``seconds`` (wall time of ``synthesize`` alone, model construction excluded),
        ``setup_seconds`` (model + loss + Metamer + setup), ``iterations`` (outer LBFGS
        steps done), ``inner_iterations`` and ``evaluations`` (LBFGS iterations and loss
        + gradient evaluations, all steps together), ``converged`` (stopped by the stop criterion before ``max_iter``),
        ``image`` ((H, W) or (H, W, 3) float32 ndarray), ``n_scales``, ``loss`` (final objective:
        PS loss + 0.1 * range penalty, i.e. ``met.losses[-1]``), ``loss_no_penalty``
        (final PS loss alone), ``recipe`` (settings string), ``plenoptic_version``.
    """
    import plenoptic as po
    import torch

    image = np.asarray(image)
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[-1] == 3)):
        raise ValueError(f"expected a gray (H, W) or colour (H, W, 3) image, got shape {image.shape}")
    channels = image[None] if image.ndim == 2 else np.moveaxis(image, -1, 0)
    n_iter = DOC_MAX_ITER if max_iter is None else int(max_iter)
    if n_scales is None:
        n_scales = _default_n_scales(image.shape[:2])

    old_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(int(threads))
    try:
        t0 = time.perf_counter()
        img = torch.as_tensor(channels, dtype=torch.float32)[None].contiguous()
        model = po.models.PortillaSimoncelli(img.shape[-2:], n_scales=n_scales)
        loss = po.loss.portilla_simoncelli_loss_factory(model, img)
        met = po.Metamer(img, model, loss_function=loss)
        # Same as Metamer.setup's default initial image, but from a local generator.
        gen = torch.Generator().manual_seed(int(seed))
        init = torch.rand(img.shape, generator=gen, dtype=img.dtype)
        init = po.process.rescale(init, 0, 1)
        met.setup(
            initial_image=init,
            optimizer=torch.optim.LBFGS,
            optimizer_kwargs=dict(LBFGS_KWARGS),
        )
        setup_seconds = time.perf_counter() - t0

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            t0 = time.perf_counter()
            met.synthesize(
                max_iter=n_iter,
                store_progress=False,
                stop_criterion=STOP_CRITERION,
                stop_iters_to_check=STOP_ITERS_TO_CHECK,
            )
            seconds = time.perf_counter() - t0
        converged = any("Loss has converged" in str(w.message) for w in caught)

        with torch.no_grad():
            final = met.metamer.detach()
            loss_no_penalty = float(loss(model(final), met.target_representation))
        final = final[0].cpu().numpy()
        result_image = (final[0] if image.ndim == 2 else np.moveaxis(final, 0, -1)).astype(np.float32)
        iterations = len(met.losses) - 1  # losses has num_iter + 1 entries
        optimizer = met.optimizer
        lbfgs = optimizer.state[optimizer.param_groups[0]["params"][0]]  # torch.optim.LBFGS's running counts
        final_loss = float(met.losses[-1])
    finally:
        if threads is not None:
            torch.set_num_threads(old_threads)

    recipe = (
        "plenoptic ps_basic_synthesis recipe: PortillaSimoncelli(shape) defaults "
        f"(n_scales={n_scales}"
        f"{'' if n_scales == DOC_N_SCALES else ' [documented 4 does not fit image]'}"
        ", n_orientations=4, spatial_corr_width=7); "
        "loss=po.loss.portilla_simoncelli_loss_factory (pixel min/max weight 0, "
        "var_highpass_residual weight 100, L2 norm); po.Metamer with default range "
        "penalty (penalize_range [0,1], lambda 0.1); optimizer torch.optim.LBFGS"
        f"({', '.join(f'{k}={v!r}' for k, v in LBFGS_KWARGS.items())}); "
        f"synthesize(max_iter={n_iter}"
        f"{'' if max_iter is None else ' [overridden; documented 100]'}, "
        f"stop_criterion={STOP_CRITERION}, stop_iters_to_check={STOP_ITERS_TO_CHECK}, "
        f"store_progress=False); image (1,{img.shape[1]},H,W) float32"
        f"{'' if image.ndim == 2 else ' [colour: statistics per channel, none across channels]'}; initial image "
        f"rescale(torch.rand, 0, 1) from torch.Generator seeded {int(seed)}; "
        f"threads={torch.get_num_threads() if threads is None else int(threads)}; "
        "seconds = perf_counter around synthesize() only (model/loss/Metamer/setup "
        "construction excluded, reported as setup_seconds)"
    )
    return {
        "seconds": seconds,
        "setup_seconds": setup_seconds,
        "iterations": iterations,
        "inner_iterations": int(lbfgs.get("n_iter", 0)),
        "evaluations": int(lbfgs.get("func_evals", 0)),
        "converged": converged,
        "image": result_image,
        "n_scales": n_scales,
        "loss": final_loss,
        "loss_no_penalty": loss_no_penalty,
        "recipe": recipe,
        "plenoptic_version": getattr(po, "__version__", None),
    }
