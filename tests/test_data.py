"""minigrad.data: DataLoader batching and shuffling, the synthetic datasets, the bundled digits."""

from __future__ import annotations

import collections

import numpy as np
import pytest
from fake_device import FAKE_GPU, FakeArray

import minigrad
from minigrad.data import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
    default_collate,
    load_digits,
    make_moons,
    make_regression,
    make_spiral,
    train_val_test_split,
)
from minigrad.serialization import load, save
from minigrad.tensor import Tensor


def columns(n: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Features whose first entry is the row number, and int64 labels equal to the row number."""
    X = np.arange(n * 3, dtype=np.float32).reshape(n, 3) / 3
    return X, np.arange(n, dtype=np.int64)


def epoch_rows(loader: DataLoader) -> list[int]:
    """The sample order of one epoch, read from the labels (which equal the row numbers)."""
    return [int(label) for _, yb in loader for label in yb.numpy()]


class Squares:
    """A map-style dataset: item i is (a float32 vector, an int label, a Python float)."""

    def __len__(self) -> int:
        return 7

    def __getitem__(self, i: int):
        return np.full(2, i, dtype=np.float32), i, i * 0.5


# ---- DataLoader over a tuple of arrays --------------------------------------------------------


def test_batches_cover_the_data_in_order_with_a_smaller_last_batch():
    X, y = columns(10)
    loader = DataLoader((X, y), batch_size=4)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    assert [xb.shape for xb, _ in batches] == [(4, 3), (4, 3), (2, 3)]
    np.testing.assert_array_equal(np.concatenate([xb.numpy() for xb, _ in batches]), X)
    np.testing.assert_array_equal(np.concatenate([yb.numpy() for _, yb in batches]), y)


def test_drop_last_drops_the_partial_batch():
    loader = DataLoader(columns(10), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [yb.shape for _, yb in loader] == [(4,), (4,)]


def test_len_counts_batches():
    assert len(DataLoader(columns(8), batch_size=4)) == 2
    assert len(DataLoader(columns(9), batch_size=4)) == 3
    assert len(DataLoader(columns(9), batch_size=4, drop_last=True)) == 2
    assert len(DataLoader(columns(3), batch_size=4, drop_last=True)) == 0
    assert len(DataLoader(columns(3))) == 3  # batch_size defaults to 1


def test_batches_are_tuples_of_tensors_on_the_cpu_with_the_data_dtypes():
    X, y = columns(6)
    for device in ("cpu", minigrad.backend.cpu):
        xb, yb = next(iter(DataLoader((X, y.astype(np.int64)), batch_size=4, device=device)))
        assert isinstance(xb, Tensor) and isinstance(yb, Tensor)
        assert xb.device == "cpu" and type(xb.data) is np.ndarray
        assert xb.dtype == np.float32 and yb.dtype == np.int64
        assert not xb.requires_grad
    (x64,) = next(iter(DataLoader((X.astype(np.float64),), batch_size=2)))
    assert x64.dtype == np.float64


def test_a_single_array_and_lists_and_tensors_are_accepted_as_columns():
    X, y = columns(5)
    xb = next(iter(DataLoader(X, batch_size=5)))  # one array: its rows, batched as a Tensor
    assert isinstance(xb, Tensor)
    np.testing.assert_array_equal(xb.numpy(), X)
    xb, yb = next(iter(DataLoader((Tensor(X), y.tolist()), batch_size=5)))
    np.testing.assert_array_equal(xb.numpy(), X)
    assert yb.dtype == np.int64
    (floats,) = next(iter(DataLoader(([0.5, 1.5],), batch_size=2)))
    assert floats.dtype == minigrad.get_default_dtype()  # Python floats follow the dtype policy


def test_batches_are_copies_so_editing_one_leaves_the_dataset_alone():
    X, y = columns(4)
    xb, _ = next(iter(DataLoader((X, y), batch_size=4)))
    xb.data[...] = -1
    assert X.min() == 0


def test_an_empty_dataset_gives_no_batches():
    loader = DataLoader((np.zeros((0, 3)), np.zeros(0)), batch_size=2)
    assert len(loader) == 0 and list(loader) == []


@pytest.mark.parametrize("batch_size", [0, -1])
def test_batch_size_below_one_is_a_value_error_naming_it(batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(columns(4), batch_size=batch_size)


@pytest.mark.parametrize("batch_size", [2.0, "4", True])  # None: batching off, as in PyTorch
def test_batch_size_that_is_not_an_int_is_a_type_error(batch_size):
    with pytest.raises(TypeError, match="batch_size"):
        DataLoader(columns(4), batch_size=batch_size)


def test_arrays_of_different_lengths_are_an_error_naming_the_lengths():
    with pytest.raises(ValueError, match=r"\[5, 4\]"):
        DataLoader((np.zeros((5, 2)), np.zeros(4)))


def test_a_dataset_that_is_neither_arrays_nor_indexable_is_a_type_error():
    with pytest.raises(TypeError, match="__getitem__"):
        DataLoader(42)
    with pytest.raises(ValueError, match="empty"):
        DataLoader(())
    with pytest.raises(ValueError, match="first dimension"):
        DataLoader((np.float32(1.0),))


# ---- shuffling ---------------------------------------------------------------------------------


def test_shuffle_visits_every_sample_once_per_epoch_in_a_new_order():
    minigrad.manual_seed(0)
    loader = DataLoader(columns(50), batch_size=8, shuffle=True)
    first, second = epoch_rows(loader), epoch_rows(loader)
    assert sorted(first) == sorted(second) == list(range(50))
    assert first != list(range(50)) and first != second


def test_shuffle_is_reproducible_under_manual_seed():
    loader = DataLoader(columns(30), batch_size=7, shuffle=True)
    minigrad.manual_seed(123)
    run_a = [epoch_rows(loader) for _ in range(3)]
    minigrad.manual_seed(123)
    run_b = [epoch_rows(loader) for _ in range(3)]
    assert run_a == run_b
    minigrad.manual_seed(124)
    assert [epoch_rows(loader) for _ in range(3)] != run_a


def test_the_order_is_a_permutation_drawn_from_minigrads_generator_when_the_loop_starts():
    loader = DataLoader(columns(20), batch_size=6, shuffle=True)
    minigrad.manual_seed(7)
    state = minigrad.get_rng_state()
    expected = minigrad.random.generator().permutation(20).tolist()
    minigrad.set_rng_state(state)
    batches = iter(loader)  # the draw happens here, not at the first batch
    minigrad.random.generator().random()  # a later draw (dropout, say) does not change the order
    assert [int(v) for _, yb in batches for v in yb.numpy()] == expected


def test_get_and_set_rng_state_replay_the_next_epochs_even_through_a_checkpoint(tmp_path):
    loader = DataLoader(columns(25), batch_size=4, shuffle=True)
    minigrad.manual_seed(5)
    epoch_rows(loader)  # an epoch before the checkpoint
    save({"rng": minigrad.get_rng_state(), "epoch": 1}, tmp_path / "ckpt.npz")
    uninterrupted = [epoch_rows(loader) for _ in range(2)]

    minigrad.manual_seed(999)  # a fresh process would start elsewhere
    checkpoint = load(tmp_path / "ckpt.npz")
    minigrad.set_rng_state(checkpoint["rng"])
    assert [epoch_rows(loader) for _ in range(2)] == uninterrupted


def test_without_shuffle_no_random_numbers_are_drawn():
    minigrad.manual_seed(3)
    state = minigrad.get_rng_state()
    epoch_rows(DataLoader(columns(10), batch_size=3))
    assert minigrad.get_rng_state() == state


# ---- map-style datasets --------------------------------------------------------------------


def test_a_map_style_dataset_is_collated_field_by_field():
    loader = DataLoader(Squares(), batch_size=3)
    assert len(loader) == 3
    vectors, labels, halves = next(iter(loader))
    np.testing.assert_array_equal(vectors.numpy(), [[0, 0], [1, 1], [2, 2]])
    assert vectors.dtype == np.float32
    assert labels.dtype == np.int64 and labels.tolist() == [0, 1, 2]
    assert halves.dtype == np.float64 and halves.tolist() == [0.0, 0.5, 1.0]  # PyTorch's dtype
    assert [b[1].shape for b in loader] == [(3,), (3,), (1,)]


def test_a_map_style_dataset_is_shuffled_reproducibly():
    loader = DataLoader(Squares(), batch_size=2, shuffle=True)
    minigrad.manual_seed(11)
    first = [int(i) for _, labels, _ in loader for i in labels.numpy()]
    minigrad.manual_seed(11)
    again = [int(i) for _, labels, _ in loader for i in labels.numpy()]
    assert first == again and sorted(first) == list(range(7))


def test_map_style_items_that_are_single_arrays_or_numpy_scalars_keep_their_dtype():
    class Rows:
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return np.float64(i)

    batch = next(iter(DataLoader(Rows(), batch_size=4)))
    assert (
        isinstance(batch, Tensor)
        and batch.dtype == np.float64
        and batch.tolist() == [0.0, 1.0, 2.0, 3.0]
    )


def test_map_style_items_that_cannot_be_batched_are_a_type_error():
    class Things:
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return object()

    with pytest.raises(TypeError, match="default_collate: batch must contain .* found"):
        list(DataLoader(Things(), batch_size=2))
    words = np.array(["a", "b"])
    with pytest.raises(TypeError, match="found <U1"):
        default_collate([words, words])


class Items:
    """Item i is whatever ``make(i)`` returns: a stand-in for any map-style dataset."""

    def __init__(self, make, n=5):
        self.make, self.n = make, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return self.make(i)


def test_a_batch_has_the_structure_of_a_sample_as_pytorchs_default_collate():
    # a tuple gives a list, a dict a dict, a namedtuple its own type; nested ones recursively
    xb, (ib, fb) = next(iter(DataLoader(Items(lambda i: (np.full(2, i), (i, i / 2))), 2)))
    assert xb.tolist() == [[0, 0], [1, 1]] and ib.tolist() == [0, 1] and fb.tolist() == [0, 0.5]
    batch = next(iter(DataLoader(Items(lambda i: {"x": np.float32(i), "tag": "t"}), 3)))
    assert list(batch) == ["x", "tag"] and batch["tag"] == ["t", "t", "t"]
    assert batch["x"].dtype == np.float32 and batch["x"].tolist() == [0, 1, 2]
    Pair = collections.namedtuple("Pair", "a b")
    pair = next(iter(DataLoader(Items(lambda i: Pair(i, [i, i])), 2)))
    assert type(pair) is Pair and pair.a.tolist() == [0, 1]
    assert [b.tolist() for b in pair.b] == [[0, 1], [0, 1]]
    batch = next(iter(DataLoader(Items(lambda i: (i, i)), 2)))
    assert type(batch) is list  # PyTorch's: a tuple sample gives a list of batches
    assert type(next(iter(DataLoader(columns(4), 2)))) is list  # (X, y) as a TensorDataset


def test_python_numbers_collate_to_pytorchs_dtypes_not_the_default_dtype():
    # torch.utils.data.default_collate: floats -> float64, ints -> int64, bools -> bool
    for make, dtype in ((float, np.float64), (int, np.int64), (lambda i: i % 2 == 0, np.bool_)):
        batch = next(iter(DataLoader(Items(make), batch_size=3)))
        assert isinstance(batch, Tensor) and batch.dtype == dtype
    assert default_collate([1.5, 2.0]).dtype == np.float64
    assert default_collate([np.int32(1), np.int32(2)]).dtype == np.int32  # NumPy keeps its dtype


def test_samples_of_different_lengths_are_refused_as_pytorch():
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        list(DataLoader(Items(lambda i: [0] * (i + 1)), batch_size=2))


def test_batch_size_none_yields_single_samples_with_arrays_as_tensors():
    loader = DataLoader(Items(lambda i: (np.full(2, i), i, np.int32(i))), batch_size=None)
    assert len(loader) == 5
    samples = list(loader)
    x, label, small = samples[3]
    assert isinstance(x, Tensor) and x.tolist() == [3, 3]
    assert label == 3 and type(label) is int  # numbers stay as they are (default_convert)
    assert isinstance(small, Tensor) and small.shape == () and small.dtype == np.int32
    X, y = columns(3)
    row = list(DataLoader((X, y), batch_size=None))[2]
    assert row[0].tolist() == X[2].tolist() and row[1].shape == ()
    with pytest.raises(ValueError, match="batch_size=None .* mutually exclusive with drop_last"):
        DataLoader((X, y), batch_size=None, drop_last=True)


def test_pytorchs_positional_order_sampler_fourth_and_device_keyword_only():
    X, _ = columns(4)
    xb = next(iter(DataLoader(X, 2, False, [3, 1, 0, 2])))  # dataset, batch_size, shuffle, sampler
    assert xb.tolist() == [X[3].tolist(), X[1].tolist()]
    with pytest.raises(TypeError):
        DataLoader(X, 2, False, None, None, 0, None, False, False, 0, None, None, None, "cpu")
    assert DataLoader(X, shuffle=None).shuffle is False  # PyTorch's default


def test_batch_sampler_gives_the_batches_and_excludes_the_other_batching_arguments():
    X, _ = columns(5)
    loader = DataLoader(X, batch_sampler=[[4, 0], [2]])
    assert len(loader) == 2 and [b.shape[0] for b in loader] == [2, 1]
    assert next(iter(loader)).tolist() == [X[4].tolist(), X[0].tolist()]
    batches = BatchSampler(SequentialSampler(range(5)), 2, drop_last=True)
    assert [b.shape[0] for b in DataLoader(X, batch_sampler=batches)] == [2, 2]
    for extra in ({"batch_size": 2}, {"shuffle": True}, {"sampler": [0]}, {"drop_last": True}):
        with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
            DataLoader(X, batch_sampler=[[0]], **extra)


def test_loader_exposes_its_sampler_and_batch_sampler_as_pytorch():
    X, _ = columns(5)
    plain = DataLoader(X, batch_size=2)
    assert isinstance(plain.sampler, SequentialSampler) and list(plain.sampler) == [0, 1, 2, 3, 4]
    assert isinstance(plain.batch_sampler, BatchSampler)
    assert list(plain.batch_sampler) == [[0, 1], [2, 3], [4]]
    assert isinstance(DataLoader(X, shuffle=True).sampler, RandomSampler)


# ---- samplers ----------------------------------------------------------------------------------


def test_batch_sampler_groups_indices_and_counts_batches():
    assert list(BatchSampler(range(5), 2, False)) == [[0, 1], [2, 3], [4]]
    assert list(BatchSampler(range(5), 2, True)) == [[0, 1], [2, 3]]
    assert len(BatchSampler(range(5), 2, False)) == 3 and len(BatchSampler(range(5), 2, True)) == 2
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1, got 0"):
        BatchSampler(range(5), 0, False)


def test_random_sampler_permutes_or_draws_with_replacement():
    rng = np.random.default_rng(0)
    sampler = RandomSampler(range(6), generator=rng)
    first, second = list(sampler), list(sampler)
    assert sorted(first) == sorted(second) == list(range(6)) and first != second
    long = list(RandomSampler(range(4), num_samples=10, generator=rng))
    # 10 of 4 without replacement: two whole permutations, then two more distinct indices
    assert len(long) == 10 and sorted(long[:4]) == sorted(long[4:8]) == [0, 1, 2, 3]
    assert len(set(long[8:])) == 2
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=50, generator=rng))
    assert len(drawn) == 50 and set(drawn) == {0, 1, 2}  # repeats: 50 draws of 3 values
    with pytest.raises(ValueError, match="num_samples must be an integer >= 1, got 0"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(TypeError, match="replacement must be True or False"):
        RandomSampler(range(3), replacement=1)


def test_random_samplers_follow_manual_seed_and_a_state_dict_generator_advances():
    minigrad.manual_seed(5)
    first = list(SubsetRandomSampler([10, 20, 30, 40]))
    minigrad.manual_seed(5)
    assert list(SubsetRandomSampler([10, 20, 30, 40])) == first
    assert sorted(first) == [10, 20, 30, 40] and len(SubsetRandomSampler([1, 2])) == 2
    sampler = RandomSampler(range(8), generator=minigrad.get_rng_state())
    assert list(sampler) != list(sampler)  # the private generator goes on, epoch after epoch


def test_weighted_random_sampler_draws_in_proportion_to_the_weights():
    rng = np.random.default_rng(0)
    draws = list(WeightedRandomSampler([0.0, 1.0, 3.0], 4000, generator=rng))
    counts = np.bincount(draws, minlength=3)
    assert counts[0] == 0 and abs(counts[2] / counts[1] - 3) < 0.3  # 3000 : 1000, give or take
    once = list(WeightedRandomSampler([1, 1, 1, 0], 3, replacement=False, generator=rng))
    assert sorted(once) == [0, 1, 2]
    with pytest.raises(ValueError, match="needs as many non-zero weights"):
        WeightedRandomSampler([1, 0], 2, replacement=False)
    with pytest.raises(ValueError, match="weights must be a 1-d sequence"):
        WeightedRandomSampler([[1, 2]], 2)


# ---- devices (the stand-in GPU refuses NumPy calls on its arrays, as CuPy does) ----------------


def test_batches_can_be_put_on_another_device():
    X, y = columns(6)
    xb, yb = next(iter(DataLoader((X, y), batch_size=4, shuffle=True, device="fakegpu")))
    assert xb.device == FAKE_GPU and isinstance(xb.data, FakeArray)
    assert xb.dtype == np.float32 and yb.dtype == np.int64


@pytest.mark.parametrize("target", ["fakegpu", "cpu"])
def test_a_dataset_living_on_the_device_is_indexed_with_its_own_array_module(target):
    X, y = columns(9)
    on_device = (FAKE_GPU.from_host(X), FAKE_GPU.from_host(y))
    minigrad.manual_seed(2)
    rows = epoch_rows(DataLoader(on_device, batch_size=4, shuffle=True, device=target))
    minigrad.manual_seed(2)
    assert rows == epoch_rows(DataLoader((X, y), batch_size=4, shuffle=True))
    xb, _ = next(iter(DataLoader(on_device, batch_size=4, device=target)))
    assert xb.device == target
    np.testing.assert_array_equal(xb.numpy(), X[:4])


def test_a_map_style_dataset_of_device_arrays_is_stacked_on_the_device():
    class OnDevice:
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return FAKE_GPU.from_host(np.full(3, i, dtype=np.float32)), i

    xb, yb = next(iter(DataLoader(OnDevice(), batch_size=5, device="fakegpu")))
    assert isinstance(xb.data, FakeArray) and xb.shape == (5, 3)
    np.testing.assert_array_equal(xb.numpy()[:, 0], np.arange(5))


# ---- synthetic datasets ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, n_classes",
    [
        (lambda **kw: make_spiral(301, n_classes=4, **kw), 4),
        (lambda **kw: make_moons(301, **kw), 2),
    ],
)
def test_classification_sets_have_documented_shapes_dtypes_and_balanced_classes(make, n_classes):
    X, y = make(seed=0)
    assert X.shape == (301, 2) and X.dtype == np.float32
    assert y.shape == (301,) and y.dtype == np.int64
    counts = np.bincount(y, minlength=n_classes)
    assert len(counts) == n_classes and counts.max() - counts.min() <= 1
    np.testing.assert_array_equal(make(seed=0)[0], X)  # the same seed, the same data
    assert not np.array_equal(make(seed=1)[0], X)


def test_spiral_arms_reach_radius_one_and_noise_zero_puts_points_on_the_arms():
    X, y = make_spiral(90, n_classes=3, noise=0.0, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert radius.max() == pytest.approx(1.0) and radius.min() == 0.0
    angle = np.arctan2(X[:, 1], X[:, 0])
    expected = 2 * np.pi * y / 3 + 3 * np.pi * radius
    np.testing.assert_allclose(np.cos(angle - expected)[radius > 0], 1.0, atol=1e-5)


def test_moons_without_noise_lie_on_their_half_circles():
    X, y = make_moons(100, noise=0.0, seed=0)
    top, bottom = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*top.T), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.hypot(bottom[:, 0] - 1, bottom[:, 1] - 0.5), 1.0, atol=1e-6)


def test_without_a_seed_the_synthetic_sets_follow_manual_seed():
    minigrad.manual_seed(4)
    a = make_moons(20)[0]
    minigrad.manual_seed(4)
    np.testing.assert_array_equal(make_moons(20)[0], a)
    generator = np.random.default_rng(8)
    assert make_moons(20, seed=generator)[0].shape == (20, 2)  # a Generator is a seed too


def test_regression_returns_data_and_the_true_coefficients():
    X, y, coef = make_regression(500, 10, n_informative=3, noise=0.0, seed=0)
    assert X.shape == (500, 10) and y.shape == (500,) and coef.shape == (10,)
    assert X.dtype == y.dtype == coef.dtype == np.float32
    assert np.count_nonzero(coef[:3]) == 3 and not coef[3:].any()
    assert np.all((np.abs(coef[:3]) >= 1) & (np.abs(coef[:3]) <= 3))
    np.testing.assert_allclose(y, X @ coef, rtol=1e-4, atol=1e-4)
    noisy = make_regression(2000, 4, noise=0.5, seed=1)
    assert np.std(noisy[1] - noisy[0] @ noisy[2]) == pytest.approx(0.5, rel=0.1)


def test_correlated_regression_has_groups_of_strongly_correlated_features_sharing_a_weight():
    X, _, coef = make_regression(4000, 9, n_informative=6, correlated=True, seed=0)
    correlation = np.corrcoef(X.T)
    group = np.arange(9) // 3
    same_group = group[:, None] == group[None, :]
    assert np.all(correlation[same_group] > 0.97)
    assert np.all(np.abs(correlation[~same_group]) < 0.1)
    np.testing.assert_allclose(X.std(axis=0), 1.0, atol=0.05)
    assert coef[0] == coef[1] == coef[2] != 0 and coef[3] == coef[4] == coef[5] != 0
    assert not coef[6:].any()
    independent = np.corrcoef(make_regression(4000, 6, seed=0)[0].T)
    assert np.all(np.abs(independent[~np.eye(6, dtype=bool)]) < 0.1)


def test_regression_defaults_to_half_the_features_informative_and_custom_group_sizes():
    assert np.count_nonzero(make_regression(50, 8, seed=0)[2]) == 4
    X, _, coef = make_regression(2000, 4, n_informative=4, correlated=True, seed=0, group_size=2)
    assert np.corrcoef(X.T)[0, 1] > 0.97 and abs(np.corrcoef(X.T)[1, 2]) < 0.1
    assert coef[0] == coef[1] and coef[2] == coef[3]


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: make_spiral(0), "n_samples"),
        (lambda: make_spiral(10, n_classes=0), "n_classes"),
        (lambda: make_moons(10, noise=-1.0), "noise"),
        (lambda: make_regression(10, 0), "n_features"),
        (lambda: make_regression(10, 3, n_informative=4), "n_informative"),
        (lambda: make_regression(10, 3, group_size=0), "group_size"),
    ],
)
def test_synthetic_sets_reject_bad_arguments_by_name(call, words):
    with pytest.raises(ValueError, match=words):
        call()


# ---- train_val_test_split --------------------------------------------------------------------


def test_split_partitions_the_rows_and_keeps_them_aligned():
    X, y = columns(100)
    train, val, test = train_val_test_split(X, y, val_fraction=0.2, test_fraction=0.1, seed=0)
    assert [len(part[0]) for part in (train, val, test)] == [70, 20, 10]
    rows = np.concatenate([part[1] for part in (train, val, test)])
    assert sorted(rows.tolist()) == list(range(100))
    for features, labels in (train, val, test):
        np.testing.assert_array_equal(features, X[labels])  # rows stay paired
        assert features.dtype == np.float32 and labels.dtype == np.int64
    again = train_val_test_split(X, y, val_fraction=0.2, test_fraction=0.1, seed=0)
    np.testing.assert_array_equal(again[0][1], train[1])
    assert not np.array_equal(train_val_test_split(X, y, seed=1)[0][1], train[1])


def test_split_parts_feed_a_data_loader_and_may_be_empty():
    X, y = columns(10)
    train, val, test = train_val_test_split(X, y, val_fraction=0.0, test_fraction=0.3, seed=0)
    assert len(val[0]) == 0 and len(test[0]) == 3
    assert sum(len(yb) for _, yb in DataLoader(train, batch_size=3)) == 7


def test_split_keeps_device_arrays_on_their_device():
    X, y = columns(20)
    train, _, _ = train_val_test_split(FAKE_GPU.from_host(X), FAKE_GPU.from_host(y), seed=3)
    assert all(isinstance(array, FakeArray) for array in train)
    np.testing.assert_array_equal(train[0].get(), X[train[1].get()])


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"val_fraction": -0.1}, "val_fraction"),
        ({"val_fraction": 1.0}, "val_fraction"),
        ({"test_fraction": 1.5}, "test_fraction"),
        ({"test_fraction": float("nan")}, "test_fraction"),
        ({"val_fraction": 0.5, "test_fraction": 0.5}, "below 1"),
    ],
)
def test_split_fractions_out_of_range_are_value_errors_naming_them(kwargs, words):
    with pytest.raises(ValueError, match=words):
        train_val_test_split(*columns(10), **kwargs)


def test_split_fraction_that_is_not_a_number_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match="train_val_test_split: val_fraction must be a number"):
        train_val_test_split(*columns(10), val_fraction="0.1")


def test_split_rejects_mismatched_lengths_no_arrays_tensors_and_too_few_rows():
    with pytest.raises(ValueError, match=r"\[10, 9\]"):
        train_val_test_split(np.zeros(10), np.zeros(9))
    with pytest.raises(ValueError, match="at least one array"):
        train_val_test_split()
    with pytest.raises(TypeError, match="Tensors"):
        train_val_test_split(Tensor(np.zeros(10)))
    with pytest.raises(ValueError, match="none for training"):
        train_val_test_split(np.zeros(2), val_fraction=0.4, test_fraction=0.4)


# ---- the bundled digits ----------------------------------------------------------------------


def test_digits_have_1797_samples_of_64_pixels_in_0_1_and_ten_balanced_classes():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(np.unique(X * 16), np.arange(17))  # raw counts 0..16
    counts = np.bincount(y)
    assert len(counts) == 10 and counts.min() >= 170 and counts.sum() == 1797


def test_digits_as_images_are_one_channel_8x8():
    images, y = load_digits(as_images=True)
    flat, _ = load_digits()
    assert images.shape == (1797, 1, 8, 8) and images.dtype == np.float32
    np.testing.assert_array_equal(images.reshape(1797, 64), flat)


def test_digits_file_is_small_plain_and_attributed():
    from minigrad.data import _DIGITS_FILE

    assert _DIGITS_FILE.stat().st_size < 100_000
    with np.load(_DIGITS_FILE, allow_pickle=False) as digits:
        assert digits["pixels"].dtype == np.uint8 and digits["labels"].dtype == np.uint8
    attribution = (_DIGITS_FILE.parent / "ATTRIBUTION.md").read_text()
    for words in ("Alpaydin", "Kaynak", "10.24432/C50P49", "CC BY 4.0"):
        assert words in attribution


def test_a_digits_loader_gives_float32_images_and_int64_labels():
    train, _, _ = train_val_test_split(*load_digits(as_images=True), seed=0)
    xb, yb = next(iter(DataLoader(train, batch_size=32, shuffle=True)))
    assert xb.shape == (32, 1, 8, 8) and xb.dtype == np.float32 and yb.dtype == np.int64


def test_a_list_of_sample_pairs_is_a_dataset_as_in_pytorch():
    X, y = columns(5)
    pairs = [(X[i], int(y[i])) for i in range(5)]  # what a PyTorch tutorial builds by hand
    xb, yb = next(iter(DataLoader(pairs, batch_size=5)))
    np.testing.assert_array_equal(xb.numpy(), X)
    assert yb.numpy().tolist() == y.tolist() and yb.dtype == np.int64
    with pytest.raises(TypeError, match="DataLoader: a dict is not a dataset"):
        DataLoader({"x": X, "y": y})


def test_tensor_dataset_and_a_dataset_subclass_feed_the_dataloader_as_in_pytorch():
    from minigrad.data import Dataset, TensorDataset

    X, y = columns(6)
    dataset = TensorDataset(Tensor(X), Tensor(y))
    assert len(dataset) == 6 and dataset[2][0].numpy().tolist() == X[2].tolist()
    xb, yb = next(iter(DataLoader(dataset, batch_size=4)))
    np.testing.assert_array_equal(xb.numpy(), X[:4])
    np.testing.assert_array_equal(yb.numpy(), y[:4])

    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([float(i)]), i * i

    xb, yb = next(iter(DataLoader(Squares(), batch_size=5)))
    assert yb.numpy().tolist() == [0, 1, 4, 9, 16]
    with pytest.raises(ValueError, match="TensorDataset: the tensors have different first dims"):
        TensorDataset(Tensor(X), Tensor(y[:3]))


def test_collate_fn_gets_the_list_of_samples():
    X, y = columns(6)
    batches = list(
        DataLoader(
            [(X[i], int(y[i])) for i in range(6)],
            batch_size=4,
            collate_fn=lambda samples: [label for _, label in samples],
        )
    )
    assert batches == [y[:4].tolist(), y[4:].tolist()]
    with pytest.raises(TypeError, match="collate_fn must be callable"):
        DataLoader((X,), collate_fn=3)


# ---- ConcatDataset's negative index, StackDataset, IterableDataset, ChainDataset -------------


def test_concat_dataset_index_below_minus_length_is_pytorchs_value_error():
    both = minigrad.data.ConcatDataset([[1, 2], [3]])
    assert both[-3] == 1 and both[-1] == 3
    with pytest.raises(ValueError, match="absolute value of index should not exceed dataset"):
        both[-4]
    with pytest.raises(IndexError):
        both[3]


def test_dataset_plus_dataset_is_their_concatenation():
    both = minigrad.data.TensorDataset(np.arange(2)) + minigrad.data.TensorDataset(np.arange(3))
    assert isinstance(both, minigrad.data.ConcatDataset) and len(both) == 5
    assert int(both[4][0]) == 2


def test_stack_dataset_gives_tuples_or_dicts_of_the_items():
    stacked = minigrad.data.StackDataset([1, 2], ["a", "b"])
    assert len(stacked) == 2 and stacked[1] == (2, "b")
    assert minigrad.data.StackDataset(x=[1, 2], y=[3, 4])[0] == {"x": 1, "y": 3}
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        minigrad.data.StackDataset([1, 2], [3])
    with pytest.raises(ValueError, match="At least one dataset should be passed"):
        minigrad.data.StackDataset()
    with pytest.raises(ValueError, match="both types are given"):
        minigrad.data.StackDataset([1], y=[2])


class Stream(minigrad.data.IterableDataset):
    def __init__(self, start: int, stop: int) -> None:
        self.start, self.stop = start, stop

    def __iter__(self):
        return iter([(np.float32(i), i) for i in range(self.start, self.stop)])

    def __len__(self) -> int:
        return self.stop - self.start


def test_a_dataloader_over_an_iterable_dataset_batches_the_stream_in_order():
    loader = DataLoader(Stream(0, 5), batch_size=2)
    batches = [(xb.numpy().tolist(), yb.numpy().tolist()) for xb, yb in loader]
    assert batches == [([0.0, 1.0], [0, 1]), ([2.0, 3.0], [2, 3]), ([4.0], [4])]
    assert len(loader) == 3 and loader.sampler is None
    dropped = DataLoader(Stream(0, 5), batch_size=2, drop_last=True)
    assert len(dropped) == 2 and len(list(dropped)) == 2
    single = list(DataLoader(Stream(0, 2), batch_size=None))
    assert [y for _, y in single] == [0, 1] and isinstance(single[0][0], Tensor)


@pytest.mark.parametrize(
    "keyword", [{"shuffle": True}, {"sampler": [0, 1]}, {"batch_sampler": [[0, 1]]}]
)
def test_a_dataloader_over_an_iterable_dataset_refuses_an_order_of_its_own(keyword):
    name = next(iter(keyword))
    with pytest.raises(ValueError, match=f"IterableDataset: expected unspecified {name} option"):
        DataLoader(Stream(0, 3), **keyword)
    DataLoader(Stream(0, 3), shuffle=False)  # False is allowed, as in PyTorch


def test_chain_dataset_yields_one_stream_after_the_other():
    chain = Stream(0, 2) + Stream(5, 7)
    assert isinstance(chain, minigrad.data.ChainDataset) and len(chain) == 4
    assert [y for _, y in chain] == [0, 1, 5, 6]
    with pytest.raises(TypeError, match="ConcatDataset does not support IterableDataset"):
        minigrad.data.ConcatDataset([Stream(0, 1)])
