"""Containers edited as lists and dicts, and Module's walking and state_dict arguments, with
PyTorch's semantics: which names the children get after each edit (so ``state_dict`` keys match
PyTorch's), and what each call returns. Expected names worked out from PyTorch's rules by hand.
"""

from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn


def linears(*sizes):
    return [nn.Linear(n, n + 1) for n in sizes]


def shapes(module):
    return [(name, value.shape) for name, value in module.state_dict().items()]


def weight_sizes(container):
    """The in_features of each Linear in order: which module sits where."""
    return [module.in_features for module in container]


# ---- Sequential ------------------------------------------------------------------------------


def test_sequential_del_renumbers_the_children_from_zero():
    s = nn.Sequential(*linears(1, 2, 3))
    del s[1]
    assert list(s._modules) == ["0", "1"] and weight_sizes(s) == [1, 3]
    assert shapes(s) == [
        ("0.weight", (2, 1)),
        ("0.bias", (2,)),
        ("1.weight", (4, 3)),
        ("1.bias", (4,)),
    ]
    del s[-1]
    assert list(s._modules) == ["0"] and weight_sizes(s) == [1]


def test_sequential_del_of_a_slice_and_of_named_children_renumbers_too():
    s = nn.Sequential(*linears(1, 2, 3, 4, 5))
    del s[1:4:2]  # removes positions 1 and 3
    assert list(s._modules) == ["0", "1", "2"] and weight_sizes(s) == [1, 3, 5]
    named = nn.Sequential(OrderedDict(a=nn.Linear(1, 2), b=nn.Linear(2, 3), c=nn.Linear(3, 4)))
    del named[0]  # PyTorch numbers the rest, even though they had names
    assert list(named._modules) == ["0", "1"] and weight_sizes(named) == [2, 3]


def test_sequential_pop_returns_the_module_and_renumbers():
    first, second, third = linears(1, 2, 3)
    s = nn.Sequential(first, second, third)
    assert s.pop(0) is first
    assert list(s._modules) == ["0", "1"] and list(s) == [second, third]
    popped = s.pop(slice(0, 1))
    assert isinstance(popped, nn.Sequential) and list(popped) == [second]
    assert list(s._modules) == ["0"] and list(s) == [third]


def test_sequential_insert_extend_and_setitem():
    a, b, c, d = linears(1, 2, 3, 4)
    s = nn.Sequential(a, b)
    assert s.insert(-1, c) is s  # before the last, as list.insert
    assert list(s) == [a, c, b] and list(s._modules) == ["0", "1", "2"]
    s.insert(3, d)  # index == len appends
    assert list(s) == [a, c, b, d]
    with pytest.raises(IndexError, match="index 9"):
        s.insert(9, a)
    with pytest.raises(TypeError, match="module must be a Module"):
        s.insert(0, "relu")
    s.extend(nn.Sequential(a))
    assert list(s._modules) == ["0", "1", "2", "3", "4"] and s[4] is a
    named = nn.Sequential(OrderedDict(first=a, second=b))
    named[-1] = c  # keeps the child's name
    assert list(named._modules) == ["first", "second"] and named.second is c


def test_sequential_add_iadd_and_mul_share_the_modules():
    a, b = linears(1, 2)
    s, t = nn.Sequential(a), nn.Sequential(b)
    u = s + t
    assert list(u) == [a, b] and list(s) == [a]
    s += t
    assert list(s) == [a, b] and list(s._modules) == ["0", "1"]
    twice = t * 2
    assert list(twice) == [b, b] and list(2 * t) == [b, b]
    assert list(twice._modules) == ["0", "1"]
    # the same Linear twice: its parameters once in parameters(), under both names in the state
    assert len(list(twice.parameters())) == 2 and len(twice.state_dict()) == 4
    t *= 3
    assert list(t) == [b, b, b]
    with pytest.raises(ValueError, match="must be a Sequential"):
        s + nn.ModuleList([a])
    with pytest.raises(ValueError, match="must be positive"):
        s * 0


def test_sequential_slice_keeps_the_names():
    s = nn.Sequential(OrderedDict(a=nn.Linear(1, 2), b=nn.Linear(2, 3), c=nn.Linear(3, 4)))
    assert list(s[1:]._modules) == ["b", "c"]
    assert s[np.int64(1)] is s.b  # a NumPy integer is an index too


# ---- ModuleList ------------------------------------------------------------------------------


def test_module_list_del_and_pop_renumber():
    modules = linears(1, 2, 3, 4, 5)
    layers = nn.ModuleList(modules)
    del layers[-2]
    assert list(layers._modules) == ["0", "1", "2", "3"] and weight_sizes(layers) == [1, 2, 3, 5]
    assert layers.pop(0) is modules[0]
    assert weight_sizes(layers) == [2, 3, 5]
    del layers[::2]
    assert list(layers._modules) == ["0"] and weight_sizes(layers) == [3]
    assert [name for name, _ in layers.named_parameters()] == ["0.weight", "0.bias"]


def test_module_list_add_and_iadd():
    a, b, c = linears(1, 2, 3)
    layers = nn.ModuleList([a])
    layers += [b]
    assert list(layers) == [a, b]
    both = layers + nn.ModuleList([c])
    assert isinstance(both, nn.ModuleList) and list(both) == [a, b, c]
    layers.extend(layers)  # repeats itself once, not forever
    assert list(layers) == [a, b, a, b]
    with pytest.raises(TypeError, match="iterable of Modules"):
        layers.extend(a)


# ---- ModuleDict, ParameterList, ParameterDict ------------------------------------------------


def test_module_dict_pop_clear_and_update_from_another_module_dict():
    a, b, c = linears(1, 2, 3)
    d = nn.ModuleDict({"z": a, "b": b})  # a plain dict keeps its order here (PyTorch)
    assert list(d) == ["z", "b"]
    assert d.pop("z") is a and list(d) == ["b"]
    d.update(nn.ModuleDict({"c": c}))
    d.update([("a", a)])
    assert list(d.keys()) == ["b", "c", "a"]
    assert [name for name, _ in d.named_parameters()][:2] == ["b.weight", "b.bias"]
    d.clear()
    assert len(d) == 0 and list(d.parameters()) == []


def test_parameter_dict_sorts_a_plain_dicts_names_as_pytorch():
    z, a, y, b = (nn.Parameter(mg.zeros(n)) for n in (1, 2, 3, 4))
    d = nn.ParameterDict({"z": z, "a": a})
    assert list(d) == ["a", "z"]
    d.update(OrderedDict(y=y, b=b))  # an OrderedDict keeps its order
    assert list(d) == ["a", "z", "y", "b"]
    assert list(d.state_dict()) == ["a", "z", "y", "b"]
    assert d.popitem() == ("b", b) and "b" not in d
    c = d.setdefault("c", mg.zeros(5))
    assert isinstance(c, nn.Parameter) and d.setdefault("c") is c
    merged = d | nn.ParameterDict(OrderedDict(q=b))
    assert list(merged) == ["a", "z", "y", "c", "q"] and merged["a"] is a and "q" not in d
    d.clear()
    assert len(d) == 0


def test_parameter_list_setitem_extend_iadd_and_slices():
    p = nn.ParameterList([mg.zeros(1), mg.zeros(2)])
    p += [mg.zeros(3)]
    p[0] = mg.ones(4)
    assert isinstance(p[0], nn.Parameter) and p[0].shape == (4,)
    tail = p[1:]
    assert isinstance(tail, nn.ParameterList) and tail[0] is p[1]
    p.extend(tail)
    assert [tuple(v.shape) for v in p] == [(4,), (2,), (3,), (2,), (3,)]
    assert list(p.state_dict()) == ["0", "1", "2", "3", "4"]
    with pytest.raises(TypeError, match="iterable of Tensors"):
        p.extend(mg.zeros(3))


# ---- walking the tree and state_dict's arguments ---------------------------------------------


def test_named_members_remove_duplicate_and_prefix():
    shared = nn.Linear(2, 2)
    s = nn.Sequential(shared, shared)
    assert [n for n, _ in s.named_parameters()] == ["0.weight", "0.bias"]
    assert [n for n, _ in s.named_parameters(remove_duplicate=False)] == [
        "0.weight", "0.bias", "1.weight", "1.bias",
    ]  # fmt: skip
    assert [n for n, _ in s.named_modules()] == ["", "0"]
    assert [n for n, _ in s.named_modules(remove_duplicate=False)] == ["", "0", "1"]
    assert [n for n, _ in s.named_modules(prefix="net")] == ["net", "net.0"]
    memo = {shared}
    assert [n for n, _ in s.named_modules(memo)] == [""] and s in memo
    bn = nn.BatchNorm1d(2)
    assert [n for n, _ in bn.named_buffers(prefix="bn")][:2] == [
        "bn.running_mean",
        "bn.running_var",
    ]


def test_state_dict_prefix_destination_and_keep_vars():
    model = nn.Sequential(nn.Linear(2, 3))
    into = {"other": 1}
    out = model.state_dict(into, "model.")
    assert out is into and list(out) == ["other", "model.0.weight", "model.0.bias"]
    assert isinstance(out["model.0.weight"], np.ndarray)
    live = model.state_dict(keep_vars=True)
    assert live["0.weight"] is model[0].weight and live["0.bias"] is model[0].bias


def test_load_state_dict_takes_any_host_array_with_array_protocol():
    class Foreign:  # what another library's CPU tensor offers (torch.Tensor has __array__)
        def __init__(self, values):
            self.values = np.asarray(values)

        def __array__(self, dtype=None, copy=None):
            return self.values

    lin = nn.Linear(2, 1)
    lin.load_state_dict({"weight": Foreign([[1.0, 2.0]]), "bias": Foreign([3.0])})
    np.testing.assert_array_equal(lin.weight.numpy(), [[1.0, 2.0]])
    np.testing.assert_array_equal(lin.bias.numpy(), [3.0])


def test_sequential_insert_shifts_numbered_names_as_pytorch_and_refuses_named_children():
    a, b, c, d = linears(1, 2, 3, 4)
    named = nn.Sequential(OrderedDict(first=a, second=b))
    with pytest.raises(KeyError, match="no child '1'"):  # PyTorch shifts '1' up, and fails
        named.insert(0, c)
    assert list(named._modules) == ["first", "second"]  # left as it was
    named.insert(2, c)  # at len: appended under the name '2'
    assert list(named._modules) == ["first", "second", "2"] and named[2] is c
    mixed = nn.Sequential(OrderedDict([("a", a), ("1", b)]))
    mixed.insert(-1, d)  # only '1' has to move: to '2'; d takes '1'
    assert list(mixed._modules) == ["a", "1", "2"] and list(mixed) == [a, d, b]


def test_module_list_insert_refuses_a_negative_index_as_pytorch():
    a, b, c = linears(1, 2, 3)
    layers = nn.ModuleList([a, b])
    with pytest.raises(KeyError, match="index must be >= 0.*got -1"):
        layers.insert(-1, c)
    assert list(layers) == [a, b]
    layers.insert(1, c)
    assert list(layers) == [a, c, b] and list(layers._modules) == ["0", "1", "2"]
    layers.insert(7, a)  # past the end: appended, named '3' (no gap in the names)
    assert list(layers._modules) == ["0", "1", "2", "3"] and layers[3] is a
