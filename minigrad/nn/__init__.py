"""Neural-network building blocks: modules and parameters, layers, ``functional`` and ``init``.

    import minigrad.nn as nn
    import minigrad.nn.functional as F

Start with ``module.py`` (how parameters are found), then ``layers.py`` and ``conv.py``; the
computations they run are written out in ``functional.py``; ``utils.py`` clips gradients.
"""

from . import functional, init, parallel, utils
from .attention import MultiheadAttention
from .conv import (
    AdaptiveAvgPool2d,
    AdaptiveAvgPool3d,
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
    MaxUnpool1d,
    MaxUnpool2d,
    Upsample,
    UpsamplingBilinear2d,
    UpsamplingNearest2d,
)
from .layers import (
    CELU,
    ELU,
    GELU,
    GLU,
    SELU,
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    BCELoss,
    BCEWithLogitsLoss,
    CosineSimilarity,
    CrossEntropyLoss,
    Dropout,
    Dropout1d,
    Dropout2d,
    Dropout3d,
    Embedding,
    Flatten,
    GroupNorm,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    HuberLoss,
    Identity,
    InstanceNorm1d,
    InstanceNorm2d,
    InstanceNorm3d,
    KLDivLoss,
    L1Loss,
    LayerNorm,
    LeakyReLU,
    Linear,
    LogSigmoid,
    LogSoftmax,
    Mish,
    MSELoss,
    NLLLoss,
    PairwiseDistance,
    PReLU,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    SmoothL1Loss,
    Softmax,
    Softmax2d,
    Softmin,
    Softplus,
    Softshrink,
    Softsign,
    Tanh,
    Tanhshrink,
    Threshold,
    Unflatten,
)
from .layers_more import (
    AdaptiveAvgPool1d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AlphaDropout,
    Bilinear,
    CircularPad1d,
    CircularPad2d,
    ConstantPad1d,
    ConstantPad2d,
    Fold,
    LocalResponseNorm,
    LPPool1d,
    LPPool2d,
    PixelShuffle,
    PixelUnshuffle,
    ReflectionPad1d,
    ReflectionPad2d,
    ReplicationPad1d,
    ReplicationPad2d,
    RMSNorm,
    RReLU,
    Unfold,
    ZeroPad1d,
    ZeroPad2d,
)
from .losses import (
    CosineEmbeddingLoss,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    MarginRankingLoss,
    MultiLabelMarginLoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    PoissonNLLLoss,
    SoftMarginLoss,
    TripletMarginLoss,
)
from .module import (
    IncompatibleKeys,
    Module,
    ModuleDict,
    ModuleList,
    Parameter,
    ParameterDict,
    ParameterList,
    RemovableHandle,
    Sequential,
)
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)

__all__ = [
    "AvgPool2d", "BCEWithLogitsLoss", "BatchNorm1d", "BatchNorm2d", "Conv2d", "CrossEntropyLoss",
    "Dropout", "Embedding", "Flatten", "GELU", "Identity", "IncompatibleKeys", "L1Loss",
    "LeakyReLU", "Linear", "LogSoftmax", "MSELoss", "MaxPool2d", "Module", "ModuleDict",
    "ModuleList", "NLLLoss", "Parameter", "ParameterList", "ReLU", "Sequential", "Sigmoid",
    "Softmax", "Tanh", "functional", "init", "parallel", "utils",
    "GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell",
]  # fmt: skip
__all__ += [
    "BCELoss", "ELU", "Hardtanh", "HuberLoss", "KLDivLoss", "Mish", "SiLU", "SmoothL1Loss",
    "Softsign",
]  # fmt: skip
__all__ += ["AdaptiveAvgPool2d", "Conv1d", "ConvTranspose2d", "Upsample"]
__all__ += ["LayerNorm", "MultiheadAttention"]
__all__ += ["ParameterDict", "RemovableHandle"]
__all__ += [
    "AvgPool1d", "CosineSimilarity", "Dropout1d", "Dropout2d", "GroupNorm", "Hardsigmoid",
    "Hardswish", "InstanceNorm1d", "InstanceNorm2d", "MaxPool1d", "PReLU", "PairwiseDistance",
    "Softplus", "Unflatten",
]  # fmt: skip
__all__ += ["TransformerEncoder", "TransformerEncoderLayer"]
__all__ += [
    "CELU", "GLU", "Hardshrink", "LogSigmoid", "ReLU6", "SELU", "Softmax2d", "Softmin",
    "Softshrink", "Tanhshrink", "Threshold",
]  # fmt: skip
__all__ += [
    "CosineEmbeddingLoss", "GaussianNLLLoss", "HingeEmbeddingLoss", "MarginRankingLoss",
    "MultiLabelMarginLoss", "MultiLabelSoftMarginLoss", "MultiMarginLoss", "PoissonNLLLoss",
    "SoftMarginLoss", "TripletMarginLoss",
]  # fmt: skip
__all__ += [
    "AdaptiveAvgPool1d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "Bilinear", "CircularPad1d",
    "CircularPad2d", "ConstantPad1d", "ConstantPad2d", "Fold", "LPPool1d", "LPPool2d",
    "PixelShuffle", "PixelUnshuffle", "RMSNorm", "ReflectionPad1d", "ReflectionPad2d",
    "ReplicationPad1d", "ReplicationPad2d", "Unfold", "ZeroPad1d", "ZeroPad2d",
]  # fmt: skip
__all__ += ["UpsamplingBilinear2d", "UpsamplingNearest2d"]
__all__ += ["Transformer", "TransformerDecoder", "TransformerDecoderLayer"]
__all__ += [
    "AdaptiveAvgPool3d", "AvgPool3d", "BatchNorm3d", "Conv3d", "ConvTranspose1d", "Dropout3d",
    "InstanceNorm3d", "MaxPool3d",
]  # fmt: skip
__all__ += ["MaxUnpool1d", "MaxUnpool2d"]
__all__ += ["AlphaDropout", "LocalResponseNorm", "RReLU"]
