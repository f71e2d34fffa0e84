"""Chapter 10's coding exercises: the checks accept the chapter's solutions and reject typical
wrong answers, each with the hint of the idea it misses."""

import math

from exercise_support import assert_rejected, solution

from racetrack_lib.exercises import ch10


def learned_q_with(*, self_loop_as_outcome=False, penalty_per_n=False, crash_worth_zero=False):
    """A learned_q with one thing changed (each keyword a typical mistake)."""

    def learned_q(outcome_counts, values, crash_value, state, penalty):
        n = sum(outcome_counts.values())
        stayed = 0 if self_loop_as_outcome else outcome_counts.get(state, 0)
        if stayed == n:
            return -math.inf
        onward = 0.0
        for outcome, count in outcome_counts.items():
            if outcome == state and not self_loop_as_outcome:
                continue
            if outcome == "finish":
                worth = 0.0
            elif outcome == "crash":
                worth = 0.0 if crash_worth_zero else crash_value
            else:
                worth = values[outcome]
            onward += count / n * worth
        cost = penalty / n if penalty_per_n else penalty / math.sqrt(n)
        return (-1 - cost + onward) / (1 - stayed / n)

    return learned_q


def priority_with(*, signed=False, finish_bootstraps=False, unweighted=False):
    """A priority with one thing changed."""

    def priority(outcome_counts, q_values, q_sa):
        targets = []
        for outcome, count in outcome_counts.items():
            row = q_values[0] if outcome == "finish" else q_values[outcome]
            bootstrap = max(row) if (outcome != "finish" or finish_bootstraps) else 0.0
            targets += [-1 + bootstrap] * (1 if unweighted else count)
        gap = sum(targets) / len(targets) - q_sa
        return gap if signed else abs(gap)

    return priority


def test_the_chapters_solutions_pass():
    assert ch10.LEARNED_Q.run(solution(10, "learned_q")).passed
    assert ch10.PRIORITY.run(solution(10, "priority")).passed
    assert ch10.LEARNED_Q.run(learned_q_with()).passed
    assert ch10.PRIORITY.run(priority_with()).passed


def test_a_self_loop_taken_as_any_outcome_is_told_to_solve_for_the_value():
    assert_rejected(ch10.LEARNED_Q, learned_q_with(self_loop_as_outcome=True),
                    "staying put: solve for the value")


def test_a_penalty_over_n_is_told_the_square_root():
    assert_rejected(ch10.LEARNED_Q, learned_q_with(penalty_per_n=True),
                    "the caution: penalty / sqrt(n) more per step")


def test_a_free_crash_is_told_its_value():
    assert_rejected(ch10.LEARNED_Q, learned_q_with(crash_worth_zero=True),
                    "the finish is worth 0 and a crash is worth crash_value")


def test_a_signed_priority_is_told_it_is_never_negative():
    assert_rejected(ch10.PRIORITY, priority_with(signed=True), "a priority is never negative")


def test_bootstrapping_after_the_finish_is_told_there_is_nothing_more():
    assert_rejected(ch10.PRIORITY, priority_with(finish_bootstraps=True), "the finish")


def test_an_unweighted_mean_is_told_to_weigh_by_the_counts():
    assert_rejected(ch10.PRIORITY, priority_with(unweighted=True),
                    "every outcome, weighted by its count")
