import pytest
import torch

from wavetex.lbfgs import LBFGSOptions, SampleState, lbfgs_run, minimize_batch


def rosenbrock_like(X):
    """Independent per-row objectives (B, D) -> losses (B,), gradients (B, D)."""
    X = X.detach().requires_grad_()
    losses = (100 * (X[:, 1:] - X[:, :-1] ** 2) ** 2 + (1 - X[:, :-1]) ** 2).sum(1) + 0.1 * (X**4).sum(1)
    (grad,) = torch.autograd.grad(losses.sum(), X)
    return losses.detach(), grad


def starts(B, D=6, seed=0):
    return torch.randn(B, D, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def states_at(x0):
    return [SampleState(x=row.clone()) for row in x0]


def single_run(options):
    def runs(state):
        yield from lbfgs_run(state, options)

    return runs


@pytest.mark.parametrize("max_iter, history", [(5, 50), (40, 3)])
def test_one_sample_follows_torch_lbfgs(max_iter, history):
    x0 = starts(1)
    options = LBFGSOptions(max_iter=max_iter, history_size=history, max_eval=10 * max_iter)
    (state,) = minimize_batch(rosenbrock_like, states_at(x0), single_run(options))

    x = x0[0].clone().requires_grad_()
    optimizer = torch.optim.LBFGS(
        [x], lr=1, max_iter=max_iter, max_eval=10 * max_iter, history_size=history,
        tolerance_grad=1e-10, tolerance_change=1e-10, line_search_fn="strong_wolfe",
    )

    def closure():
        optimizer.zero_grad()
        loss, grad = rosenbrock_like(x[None])
        x.grad = grad[0]
        return loss[0]

    optimizer.step(closure)
    torch.testing.assert_close(state.x, x.detach(), rtol=1e-9, atol=1e-12)
    assert state.n_iter == optimizer.state[x]["n_iter"]
    assert state.n_evals == optimizer.state[x]["func_evals"]


def test_batch_entries_are_optimised_independently():
    options = LBFGSOptions(max_iter=30)
    x0 = starts(3, seed=1)
    together = minimize_batch(rosenbrock_like, states_at(x0), single_run(options))
    for b in range(3):
        (alone,) = minimize_batch(rosenbrock_like, states_at(x0[b : b + 1]), single_run(options))
        torch.testing.assert_close(together[b].x, alone.x, rtol=1e-12, atol=1e-12)
        assert together[b].n_evals == alone.n_evals


def test_loss_decreases_and_runs_chain_with_fresh_history():
    options = LBFGSOptions(max_iter=10, max_eval=100)

    def runs(state):
        for _ in range(3):
            yield from lbfgs_run(state, options)

    (state,) = minimize_batch(rosenbrock_like, states_at(starts(1, seed=2)), runs)
    assert state.n_iter == 30 and state.done
    assert state.history[-1] < state.history[0] / 10
    assert all(b <= a + 1e-12 for a, b in zip(state.history, state.history[1:]))


def test_callback_can_stop_the_driver():
    calls = []

    def on_evaluation(states, X, losses):
        calls.append(losses.clone())
        if len(calls) == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        minimize_batch(rosenbrock_like, states_at(starts(2)), single_run(LBFGSOptions()), on_evaluation)
    assert len(calls) == 4


def test_stop_rule_ends_the_run():
    options = LBFGSOptions(max_iter=100, max_eval=1000)

    def runs(state):
        yield from lbfgs_run(state, options, stop=lambda history: "enough" if len(history) == 7 else None)

    (state,) = minimize_batch(rosenbrock_like, states_at(starts(1)), runs)
    assert state.n_iter == 7 and state.stop_reason == "enough"
