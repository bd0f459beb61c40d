"""Elastic Net: Ridge, Lasso and their mix on data with more features than samples.

The data: 40 samples, 60 features, in groups of 3 nearly identical features (correlation about
0.99 within a group). Only the first 3 groups matter (9 features, one true coefficient per
group); the other 51 features are noise. This is where the notes say Elastic Net is preferred.

1. Coefficient paths: every coefficient against the penalty strength alpha, for r = 0 (Ridge),
   r = 0.5 (Elastic Net) and r = 1 (Lasso), each solved by gradient descent with the L1 part
   applied as a proximal step (``SGD(..., penalty=ElasticNet(alpha, r))``), warm-started from the
   previous alpha.
2. The grouping effect at one alpha: Lasso keeps one feature of a correlated group and drops its
   twins; Elastic Net keeps the whole group, sharing the weight, as the truth does.
3. Subgradient vs proximal training of the same Lasso objective: only the proximal step makes
   weights exactly zero.
4. If scikit-learn is installed, the same solutions from ``sklearn.linear_model.ElasticNet(
   alpha=alpha / 2, l1_ratio=r)`` (optional; nothing else needs scikit-learn).

    python examples/elastic_net.py        # figures: runs/elastic_net_paths.png, _grouping.png
"""

from __future__ import annotations

import common
import matplotlib.pyplot as plt
import numpy as np
from tqdm import tqdm

import minigrad
from minigrad.data import make_regression
from optim import SGD
from regularizers import L1, ElasticNet

N_SAMPLES, N_FEATURES, GROUP, N_INFORMATIVE = 40, 60, 3, 9
RATIOS = {0.0: "Ridge (r = 0)", 0.5: "Elastic Net (r = 0.5)", 1.0: "Lasso (r = 1)"}


class LinearProblem:
    """MSE(w) = mean((X w - y)**2) on the device, in float64 (to compare solutions closely)."""

    def __init__(self, X: np.ndarray, y: np.ndarray, device: minigrad.Device) -> None:
        self.X = minigrad.tensor(X, dtype=minigrad.float64, device=device)
        self.y = minigrad.tensor(y, dtype=minigrad.float64, device=device)
        # Gradient descent converges for lr <= 1 / L, L the largest curvature of the MSE:
        # 2 * (largest eigenvalue of X^T X / n).
        self.lipschitz = 2 * np.linalg.eigvalsh(X.T @ X / len(X)).max()
        self.device = device

    def mse(self, w: minigrad.Tensor) -> minigrad.Tensor:
        return ((self.X @ w - self.y) ** 2).mean()

    def solve(self, penalty: ElasticNet, w0: np.ndarray, steps: int) -> np.ndarray:
        """Proximal gradient descent: the optimizer adds the L2 part to the gradient and applies
        the L1 part as a soft-threshold after each step."""
        # minigrad.tensor copies w0 (as torch.tensor does), so the optimizer's in-place updates
        # never reach the caller's array.
        w = minigrad.tensor(w0, dtype=minigrad.float64, device=self.device)
        w.requires_grad_()
        lr = 1.0 / (self.lipschitz + penalty.l2_strength)
        optimizer = SGD([w], lr=lr, penalty=penalty)
        for _ in range(steps):
            optimizer.zero_grad()
            self.mse(w).backward()
            optimizer.step()
        return w.numpy().copy()  # on the CPU .numpy() is the live array itself: keep a snapshot

    def optimality_gap(self, penalty: ElasticNet, w: np.ndarray) -> float:
        """How far w is from a fixed point of the proximal step (0 exactly at the minimum)."""
        t = minigrad.tensor(w, dtype=minigrad.float64, device=self.device, requires_grad=True)
        self.mse(t).backward()
        lr = 1.0 / (self.lipschitz + penalty.l2_strength)
        moved = w - lr * (t.grad.numpy() + penalty.l2_strength * w)
        proximal = np.sign(moved) * np.maximum(np.abs(moved) - lr * penalty.l1_strength, 0)
        return float(np.abs(proximal - w).max() / lr)


def paths(problem: LinearProblem, alphas: np.ndarray, steps: int) -> dict[float, np.ndarray]:
    """Coefficients for every alpha (large to small), warm-started, for each mixing ratio r."""
    found = {}
    for r in RATIOS:
        w = np.zeros(N_FEATURES)
        rows = []
        for alpha in tqdm(alphas, desc=f"path r = {r}", leave=False):
            w = problem.solve(ElasticNet(alpha, r), w, steps)
            rows.append(w)
        found[r] = np.array(rows)
    return found


def subgradient_vs_proximal(problem: LinearProblem, alpha: float, steps: int) -> dict:
    """The same Lasso objective trained two ways; the number of exact zeros along the way."""
    lr = 1.0 / problem.lipschitz
    zeros = {"subgradient (L1 in the loss)": [], "proximal (L1 in the optimizer)": []}
    final = {}
    for name in zeros:
        w = minigrad.tensor(np.zeros(N_FEATURES), dtype=minigrad.float64, device=problem.device)
        w.requires_grad_()
        proximal = name.startswith("proximal")
        optimizer = SGD([w], lr=lr, penalty=L1(alpha) if proximal else None)
        for _ in tqdm(range(steps), desc=name.split()[0], leave=False):
            loss = problem.mse(w) if proximal else problem.mse(w) + L1(alpha)(w)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            zeros[name].append(int((w.numpy() == 0).sum()))
        final[name] = w.numpy()
    return {"zeros": zeros, "final": final}


def compare_with_sklearn(X, y, alpha: float, solutions: dict[float, np.ndarray]) -> None:
    try:
        from sklearn.linear_model import ElasticNet as SklearnElasticNet
    except ImportError:
        print("\n4. scikit-learn is not installed: skipping the optional comparison.")
        return

    def objective(w: np.ndarray, r: float) -> float:  # J(w), the notes' formula
        mse = np.mean((X @ w - y) ** 2)
        return mse + r * alpha * np.abs(w).sum() + (1 - r) / 2 * alpha * (w**2).sum()

    print("\n4. scikit-learn's ElasticNet(alpha=alpha/2, l1_ratio=r) minimises J/2: same solution")
    for r, w in solutions.items():
        if r == 0:
            continue  # sklearn's ElasticNet warns for l1_ratio=0; Ridge is its own class there
        theirs = SklearnElasticNet(
            alpha=alpha / 2, l1_ratio=r, fit_intercept=False, tol=1e-12, max_iter=100_000
        ).fit(X, y)
        gap = objective(w, r) - objective(theirs.coef_, r)
        difference = np.abs(theirs.coef_ - w).max()  # the largest, over coefficients
        print(
            f"  r = {r}: J(ours) - J(sklearn) = {gap:+.1e}; coefficients differ by {difference:.0e}"
        )
    print(
        "   (with near-copies of features the Lasso objective is almost flat along each group, "
        "so two solvers can agree on J and still differ in the coefficients)"
    )


def main() -> None:
    args = common.parser(__doc__).parse_args()
    device = common.setup(args)
    X, y, true_coef = make_regression(
        N_SAMPLES,
        N_FEATURES,
        n_informative=N_INFORMATIVE,
        noise=0.5,
        correlated=True,
        group_size=GROUP,
        seed=args.seed,
    )
    X, y = X.astype(np.float64), y.astype(np.float64)
    problem = LinearProblem(X, y, device)
    steps = 60 if args.quick else 400

    # Above alpha_max the Lasso solution is all zeros: the gradient of the MSE at w = 0,
    # (2/n) X^T y, is then smaller than the L1 threshold alpha in every coordinate.
    alpha_max = 2 * np.abs(X.T @ y).max() / N_SAMPLES
    alphas = alpha_max * np.logspace(0, -2.5, 8 if args.quick else 20)
    print(
        f"1. Coefficient paths for {len(alphas)} alphas from {alphas[0]:.3g} down to "
        f"{alphas[-1]:.3g}, {steps} proximal-gradient steps each"
    )
    coefficient_paths = paths(problem, alphas, steps)

    alpha = 0.1 * alpha_max
    print(f"\n2. The grouping effect at alpha = {alpha:.3g}")
    solutions = {
        r: problem.solve(ElasticNet(alpha, r), np.zeros(N_FEATURES), 10 * steps)
        for r in tqdm(RATIOS, desc="solutions", leave=False)
    }
    informative = slice(0, N_INFORMATIVE)
    for r, w in solutions.items():
        gap = problem.optimality_gap(ElasticNet(alpha, r), w)
        kept = int((w[informative] != 0).sum())
        noise = int((w[N_INFORMATIVE:] != 0).sum())
        print(
            f"   {RATIOS[r]:<22} keeps {kept} of the {N_INFORMATIVE} informative features, "
            f"{noise} of {N_FEATURES - N_INFORMATIVE} noise features; exact zeros "
            f"{int((w == 0).sum())}; optimality gap {gap:.1e}"
        )
    for g in range(N_INFORMATIVE // GROUP):
        group = slice(g * GROUP, (g + 1) * GROUP)
        print(
            f"   group {g} (true coefficient {true_coef[g * GROUP]:+.2f} each): Lasso "
            f"{np.round(solutions[1.0][group], 2)}, Elastic Net "
            f"{np.round(solutions[0.5][group], 2)}"
        )

    print(f"\n3. Subgradient vs proximal training of the Lasso at alpha = {alpha:.3g}")
    race = subgradient_vs_proximal(problem, alpha, 300 if args.quick else 2000)
    for name, w in race["final"].items():
        print(
            f"   {name:<31} exact zeros {int((w == 0).sum()):2d} of {N_FEATURES}, "
            f"smallest |w| {np.abs(w).min():.1e}"
        )

    compare_with_sklearn(X, y, alpha, solutions)

    # ---- figures --------------------------------------------------------------------------------
    colors = plt.cm.tab10(np.arange(N_INFORMATIVE // GROUP))
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.3), sharey=True, constrained_layout=True)
    for ax, (r, rows) in zip(axes, coefficient_paths.items()):
        for j in range(N_FEATURES - 1, -1, -1):  # noise first, so the groups are drawn on top
            group = j // GROUP
            informative_feature = j < N_INFORMATIVE
            ax.plot(
                alphas,
                rows[:, j],
                color=colors[group] if informative_feature else "0.75",
                lw=1.6 if informative_feature else 0.8,
                label=f"group {group} (true {true_coef[j]:+.1f})"
                if informative_feature and j % GROUP == 0
                else None,
            )
        ax.set_xscale("log")
        ax.invert_xaxis()  # strong penalty on the left, weak on the right
        ax.set(xlabel="alpha (penalty strength)", title=RATIOS[r])
        ax.axvline(alpha, color="0.4", linestyle=":", label="alpha of the grouping figure")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("coefficient")
    axes[0].legend(fontsize=8, title="informative groups (grey: noise)", title_fontsize=8)
    fig.suptitle("Coefficient paths: 40 samples, 60 features in correlated groups of 3")
    common.save_figure(fig, args, "elastic_net_paths.png")

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.3), constrained_layout=True)
    ax = axes[0]
    shown = 5 * GROUP  # the 3 informative groups and 2 noise groups
    positions = np.arange(shown)
    bars = {
        "truth": true_coef,
        RATIOS[1.0]: solutions[1.0],
        RATIOS[0.5]: solutions[0.5],
        RATIOS[0.0]: solutions[0.0],
    }
    for k, (name, w) in enumerate(bars.items()):
        ax.bar(positions + (k - 1.5) * 0.2, w[:shown], width=0.2, label=name)
    for g in range(1, shown // GROUP):
        ax.axvline(g * GROUP - 0.5, color="0.6", lw=0.8)
    ax.set_xticks(positions)
    ax.set(
        xlabel="feature (groups of 3 correlated features)",
        ylabel="coefficient",
        title=f"The grouping effect at alpha = {alpha:.2g}",
    )
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    ax = axes[1]
    for name, counts in race["zeros"].items():
        ax.plot(np.arange(1, len(counts) + 1), counts, label=name)
    ax.set(
        xlabel="training step",
        ylabel=f"weights exactly zero (of {N_FEATURES})",
        title="Lasso: only the proximal step reaches exact zeros",
    )
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    common.save_figure(fig, args, "elastic_net_grouping.png")

    common.notice(
        "Ridge (r = 0) shrinks every coefficient smoothly and never to zero; Lasso (r = 1) drops "
        "coefficients to exactly zero one by one as alpha grows; Elastic Net does both.",
        "Grouping: inside a correlated group Lasso keeps an arbitrary one or two features and "
        "zeroes their twins; Elastic Net keeps the whole group with shared weights (the truth).",
        "Trained with L1 in the loss, weights hover around zero (tiny but nonzero); the proximal "
        "step (soft-thresholding, in the optimizer) sets them exactly to zero.",
        "The L2 part makes the problem strictly convex, so with p > n the solution is unique "
        "even when features are near copies; the Lasso's is not.",
    )


if __name__ == "__main__":
    main()
