"""Chapter 9's coding exercise: the check accepts the chapter's solution and rejects typical
wrong answers, each with the hint of the idea it misses."""

from exercise_support import assert_rejected, solution

from racetrack_lib.exercises import ch09
from racetrack_lib.generate import finish_reachable, generate_track

EXERCISE = ch09.FINISH_REACHABLE


def reachable_with(*, through_walls=False, any_direction=False, from_every_start=False):
    """A search from the start cells with one thing changed (each keyword a typical mistake)."""

    def finish_reachable(rows):
        n_rows, n_cols = len(rows), len(rows[0])
        starts = [(r, c) for r in range(n_rows) for c in range(n_cols) if rows[r][c] == "S"]
        if from_every_start:  # every start cell must reach the finish
            return all(search(rows, [start]) for start in starts)
        return search(rows, starts)

    def search(rows, frontier):
        n_rows, n_cols = len(rows), len(rows[0])
        seen, frontier = set(frontier), list(frontier)
        steps = [(-1, 0), (0, 1)] + ([(1, 0), (0, -1)] if any_direction else [])
        while frontier:
            row, col = frontier.pop()
            if rows[row][col] == "F":
                return True
            for d_row, d_col in steps:
                r, c = row + d_row, col + d_col
                if 0 <= r < n_rows and 0 <= c < n_cols and (r, c) not in seen \
                        and (through_walls or rows[r][c] != "#"):
                    seen.add((r, c))
                    frontier.append((r, c))
        return False

    return finish_reachable


def test_the_chapters_solution_passes_and_agrees_on_generated_tracks():
    reader = solution(9, "finish_reachable")
    assert EXERCISE.run(reader).passed
    for seed in range(30):
        track = generate_track(14, 20, seed=seed, shape="random")
        rows = track.to_text().split("\n")
        assert reader(rows) == finish_reachable(track)


def test_a_search_in_every_direction_is_told_the_car_never_moves_back():
    message = assert_rejected(EXERCISE, reachable_with(any_direction=True),
                              "the car never moves down or left")
    assert "expected False, got True" in message


def test_a_search_through_walls_is_told_walls_block():
    assert_rejected(EXERCISE, reachable_with(through_walls=True), "walls block the way")


def test_requiring_every_start_cell_is_told_any_start_cell_will_do():
    assert_rejected(EXERCISE, reachable_with(from_every_start=True),
                    "a path may turn, and any start cell will do")


def test_the_right_search_in_another_form_passes():
    assert EXERCISE.run(reachable_with()).passed


def test_a_constant_answer_fails_on_the_first_impossible_track():
    message = assert_rejected(EXERCISE, lambda rows: True, "walls block the way")
    assert "rows = ['###F', '####', '#S..']" in message
