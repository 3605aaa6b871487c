from sim2act.benchmarks.plots import plot_bars


def test_bars_draw_intervals_even_where_a_bound_sits_just_inside_the_rate(tmp_path):
    groups = {"train": {"sim2act": 1.0, "ppo": 0.5}, "unseen": {"sim2act": 0.9}}
    # a perfect round's Wilson bound can come out as 1 - 1e-16: the error bar must not go negative
    intervals = {"train": {"sim2act": (0.99, 1.0 - 1e-16), "ppo": (0.4, 0.6)}, "unseen": {}}
    with_bars = plot_bars(groups, tmp_path / "with.png", "t", intervals=intervals)
    without = plot_bars(groups, tmp_path / "without.png", "t")
    assert with_bars.stat().st_size > 5_000
    assert with_bars.read_bytes() != without.read_bytes()
