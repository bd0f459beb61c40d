"""Sliding windows for convolution and pooling: im2col and its adjoint, col2im.

A 2-D convolution slides a small kernel over an image and takes a dot product at every stop.
Written with loops that is six nested loops; im2col ("image to columns") removes them. It cuts
every window the kernel visits out of the (padded) image at once,

    x (N, C, H, W)  --pad-->  (N, C, Hp, Wp)  --im2col-->  windows (N, C, OH, OW, kh, kw)

    windows[n, c, i, j, p, q] = x_padded[n, c, i*sh + p*dh, j*sw + q*dw]

(stride sh, sw; dilation dh, dw), after which a convolution is one matrix product and a pooling
layer is one reduction over the last two axes (see ``minigrad.nn.functional``).

The windows cost no copy: they are a strided *view* of the padded image. Moving to the next
window moves ``sh`` rows in memory, moving inside a window moves ``dh`` rows, so the view only
needs the right strides (``as_strided``). The copy happens once, later, when a convolution
reshapes the windows into the matrix for its product.

col2im is the adjoint (the transpose) of im2col: every window value is added back onto the pixel
it was cut from, so a pixel seen by several overlapping windows sums their gradients. The two are
each other's backward, which is why convolutions can be differentiated twice.
"""

from __future__ import annotations

from typing import Any

from ..autograd import Function
from ..checks import check_int
from ..tensor import Tensor

Pair = tuple[int, int]
Padding = tuple[Pair, Pair]  # ((top, bottom), (left, right))


# Conv and pooling arguments as PyTorch takes them, normalised (nn.functional and nn.conv use these)
def as_pair(value: Any, name: str, op: str, minimum: int) -> Pair:
    """An int or a pair of ints as a pair, each at least ``minimum`` (a clear error otherwise)."""
    if not isinstance(value, (tuple, list)):
        size = check_int(op, name, value, low=minimum)
        return size, size
    if len(value) != 2:
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    height = check_int(op, f"{name}[0]", value[0], low=minimum)
    width = check_int(op, f"{name}[1]", value[1], low=minimum)
    return height, width


def as_triple(value: Any, name: str, op: str, minimum: int) -> tuple[int, int, int]:
    """An int or three ints (depth, height, width) as a triple, each at least ``minimum``."""
    if not isinstance(value, (tuple, list)):
        size = check_int(op, name, value, low=minimum)
        return size, size, size
    if len(value) != 3:
        raise TypeError(f"{op}: {name} must be an int or a triple of ints, got {value!r}")
    depth, height, width = (
        check_int(op, f"{name}[{i}]", v, low=minimum) for i, v in enumerate(value)
    )
    return depth, height, width


def as_single(value: Any, name: str, op: str, minimum: int) -> int:
    """An int or a 1-tuple (PyTorch's form for 1-D layers) as an int, at least ``minimum``."""
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise TypeError(f"{op}: {name} must be an int or a 1-tuple, got {value!r}")
        value = value[0]
    return check_int(op, name, value, low=minimum)


def as_padding(value: Any, kernel: Pair, stride: Pair, dilation: Pair, op: str) -> Padding:
    """Padding as ((top, bottom), (left, right)); 'valid' is none, 'same' keeps H and W."""
    if value == "valid":
        return (0, 0), (0, 0)
    if value == "same":
        if stride != (1, 1):
            raise ValueError(f"{op}: padding='same' needs stride 1, got stride {stride}")
        # An even kernel cannot be centred: the extra row and column go after (as in PyTorch).
        (rows, cols) = (d * (k - 1) for k, d in zip(kernel, dilation))
        return (rows // 2, rows - rows // 2), (cols // 2, cols - cols // 2)
    if isinstance(value, str):
        raise ValueError(f"{op}: padding must be an int, a pair, 'valid' or 'same', got {value!r}")
    rows, cols = as_pair(value, "padding", op, minimum=0)
    return (rows, rows), (cols, cols)


def count_windows(size: int, kernel: int, stride: int, padding: Pair, dilation: int = 1) -> int:
    """Windows along one axis: (size + padding - dilation * (kernel - 1) - 1) // stride + 1."""
    span = dilation * (kernel - 1) + 1  # the extent of one (dilated) window
    return (size + padding[0] + padding[1] - span) // stride + 1


def _windows(xp, padded, kernel_size: Pair, stride: Pair, dilation: Pair):
    """The strided view (N, C, OH, OW, kh, kw) of every window of an already padded image."""
    n, c, height, width = padded.shape
    (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
    oh = count_windows(height, kh, sh, (0, 0), dh)
    ow = count_windows(width, kw, sw, (0, 0), dw)
    step_n, step_c, step_row, step_col = padded.strides  # bytes to the next element of each axis
    return xp.lib.stride_tricks.as_strided(
        padded,
        shape=(n, c, oh, ow, kh, kw),
        strides=(step_n, step_c, step_row * sh, step_col * sw, step_row * dh, step_col * dw),
    )


class Im2Col(Function):
    """windows[n, c, i, j, p, q] = x_padded[n, c, i*sh + p*dh, j*sw + q*dw]

    x_padded is x with ``padding`` rows and columns of ``pad_value`` around it (0 for convolution
    and average pooling, -inf for max pooling). The map is linear in x, so its derivative is its
    adjoint: dx = col2im(dwindows), each window's gradient added back where the window was cut.
    """

    reads_inputs = ()
    reads_output = False

    def forward(self, x, kernel_size, stride, padding, dilation, pad_value):
        self.params = dict(
            kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation
        )
        (top, bottom), (left, right) = padding
        if top or bottom or left or right:
            n, c, height, width = x.shape
            shape = (n, c, height + top + bottom, width + left + right)
            padded = self.xp.full(shape, pad_value, dtype=x.dtype)
            padded[:, :, top : top + height, left : left + width] = x
            x = padded
        return _windows(self.xp, x, kernel_size, stride, dilation)

    def backward(self, grad, windows, x):
        return Col2Im.apply(grad, image_shape=x.shape, **self.params)


class Col2Im(Function):
    """image[n, c, y, x] = sum of windows[n, c, i, j, p, q] over every (i, j, p, q) that im2col
    cut from pixel (y, x);  the adjoint of im2col, so its derivative is im2col (padding with 0)

    Vectorised over images, channels and window positions: the only loop runs over the kh*kw
    offsets (p, q) inside a window, and each step adds a whole strided slice at once.
    """

    reads_inputs = ()
    reads_output = False

    def forward(self, windows, image_shape, kernel_size, stride, padding, dilation):
        self.params = dict(
            kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation
        )
        n, c, height, width = image_shape
        (top, bottom), (left, right) = padding
        (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
        oh, ow = windows.shape[2:4]
        padded_shape = (n, c, height + top + bottom, width + left + right)
        # Windows side by side that tile the image (2x2 pooling of an even-sized image) cover
        # every pixel exactly once: nothing to add up, so no zeros first and `=` for `+=`.
        tiled = (sh, sw, dh, dw) == (kh, kw, 1, 1) and (oh * kh, ow * kw) == padded_shape[2:]
        padded = (self.xp.empty if tiled else self.xp.zeros)(padded_shape, dtype=windows.dtype)
        for p in range(kh):
            for q in range(kw):
                rows = slice(p * dh, p * dh + sh * (oh - 1) + 1, sh)
                cols = slice(q * dw, q * dw + sw * (ow - 1) + 1, sw)
                if tiled:
                    padded[:, :, rows, cols] = windows[:, :, :, :, p, q]
                else:
                    padded[:, :, rows, cols] += windows[:, :, :, :, p, q]
        return padded[:, :, top : top + height, left : left + width]

    def backward(self, grad, image, windows):
        return Im2Col.apply(grad, pad_value=0.0, **self.params)


def im2col(
    x: Tensor,
    kernel_size: Pair,
    stride: Pair = (1, 1),
    padding: Padding = ((0, 0), (0, 0)),
    dilation: Pair = (1, 1),
    pad_value: float = 0.0,
) -> Tensor:
    """Every window of ``x`` (N, C, H, W): a (N, C, OH, OW, kh, kw) view, padded first.

    Arguments are already checked and normalised (``minigrad.nn.functional`` does that).
    """
    return Im2Col.apply(
        x,
        kernel_size=kernel_size,
        stride=stride,
        padding=padding,
        dilation=dilation,
        pad_value=pad_value,
    )


def col2im(
    windows: Tensor,
    image_shape: tuple[int, int, int, int],
    kernel_size: Pair,
    stride: Pair = (1, 1),
    padding: Padding = ((0, 0), (0, 0)),
    dilation: Pair = (1, 1),
) -> Tensor:
    """Add (N, C, OH, OW, kh, kw) windows back into an image of ``image_shape``."""
    return Col2Im.apply(
        windows,
        image_shape=tuple(image_shape),
        kernel_size=kernel_size,
        stride=stride,
        padding=padding,
        dilation=dilation,
    )
