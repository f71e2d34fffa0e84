"""The chapters' display helpers: the animation of a drive and code shown beside pseudocode."""

import matplotlib

matplotlib.use("Agg")

import numpy as np

from racetrack_lib import TabularModel, greedy_actions, run_episode, td, traces, value_iteration
from racetrack_lib.plotting import animate_episode, animation_html
from racetrack_lib.show import pseudocode, show_beside, source_without_docstring


def crashing_drive(model: TabularModel):
    """An epsilon-greedy drive of the optimal policy that crashes at least once."""
    policy = greedy_actions(value_iteration(model).q_values, np.random.default_rng(0))
    for seed in range(200):
        episode = run_episode(model, policy, np.random.default_rng(seed), epsilon=0.5)
        if "crash" in episode.events and episode.events[-1] == "finish":
            return episode
    raise AssertionError("no crashing drive found")


def test_animation_has_a_frame_per_step_and_restarts_after_a_crash(track1_model):
    episode = crashing_drive(track1_model)
    animation = animate_episode(track1_model, episode)
    frames = list(animation.new_frame_seq())
    assert len(frames) == episode.n_steps + 1  # the start, then after each step
    crash = episode.events.index("crash")
    path, car, caption = animation._func(crash + 1)  # just after the crash
    restart_cell = episode.segments[crash + 1][0]
    assert (car.get_ydata()[0], car.get_xdata()[0]) == restart_cell  # back on the start line
    assert np.isnan(path.get_xdata()).any()  # the drawn path breaks at the crash
    assert caption.get_text() == f"step {crash + 1} of {episode.n_steps}: crash"
    *_, last_caption = animation._func(episode.n_steps)
    assert last_caption.get_text().endswith(": finish")


def test_animation_html_plays_offline(track1_model):
    """The player embeds every frame and links nothing outside the page."""
    episode = crashing_drive(track1_model)
    player = animation_html(animate_episode(track1_model, episode))
    assert "font-awesome" not in player and "https://" not in player
    assert player.count("data:image/png;base64") == episode.n_steps + 1
    assert 'class="anim-buttons"' in player and "fa-play" in player


def test_show_beside_has_both_columns_escaped():
    shown = show_beside(traces.traced_episode).data
    left, right = shown.split("</pre>")[:2]
    assert "Q(x, b) += alpha_n(x, b) * delta * e(x, b)" in left  # the docstring's pseudocode
    assert "Q(s&#x27;, a&#x27;) &lt; Q(s&#x27;, g)" in left  # escaped, as HTML must be
    assert "traced_episode" in right and "n_traced" in right  # the real source
    assert "Traces draw no random numbers" not in right  # the docstring is not shown twice


def test_pseudocode_is_the_docstrings_literal_block():
    block = pseudocode(td.td_episode)
    assert block.splitlines()[0] == "s <- a random start state;  a <- epsilon-greedy(Q, s)"
    assert "Q(s, a) += alpha_n(s, a) * (target - Q(s, a))" in block
    assert "A crash is an ordinary step" not in block  # the prose after the block is not in it
    assert '"""' not in source_without_docstring(td.td_episode)
    assert "for step in range(1, settings.max_steps + 1):" in source_without_docstring(
        td.td_episode)
