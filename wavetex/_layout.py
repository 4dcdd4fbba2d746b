"""The two image layouts of wavetex and the one conversion between them.

Files and numpy arrays are channels last, as :mod:`wavetex.io` reads them: (H, W) gray,
(H, W, 3) colour, (B, H, W, 3) a batch. The statistics and the optimiser work on torch
tensors channels first: (C, H, W), batches (B, C, H, W). Gray numpy images become
(H, W) tensors, which the statistics read as one channel.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch


def channels_first(array: Any) -> Any:
    """A channels-last numpy image as a float64 tensor, channels first; tensors pass through.

    Raises
    ------
    TypeError
        The array does not hold floats.
    ValueError
        The array looks channels first, (3, H, W).

    Examples
    --------
    >>> channels_first(np.zeros((4, 5, 3))).shape
    torch.Size([3, 4, 5])
    >>> channels_first(np.zeros((4, 5))).shape
    torch.Size([4, 5])
    """
    if not isinstance(array, np.ndarray):
        return array
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(
            f"image arrays must hold floats in [0, 1], got {array.dtype}; read files with "
            "wavetex.io.read_image, or divide 8-bit data by 255 (16-bit: by 65535)"
        )
    if array.ndim in (3, 4) and array.shape[-1] not in (1, 3) and array.shape[-3] in (1, 3):
        raise ValueError(
            f"numpy images are channels last, (H, W) or (H, W, 3), got shape {array.shape}; "
            "use np.moveaxis(image, 0, -1), or pass a torch tensor for channels first"
        )
    if array.ndim in (3, 4):
        array = np.moveaxis(array, -1, -3)
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float64))


def channels_last(image: torch.Tensor) -> np.ndarray:
    """A (C, H, W) or (B, C, H, W) tensor as float64 numpy, channels last; one channel drops.

    Examples
    --------
    >>> channels_last(torch.zeros(3, 4, 5)).shape
    (4, 5, 3)
    >>> channels_last(torch.zeros(2, 1, 4, 5)).shape
    (2, 4, 5)
    """
    array = image.detach().cpu().double().numpy()
    if array.shape[-3] == 1:
        return array[..., 0, :, :]
    return np.moveaxis(array, -3, -1)
