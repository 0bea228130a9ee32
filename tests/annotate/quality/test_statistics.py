"""Agreement statistics against the published examples of FORMATS.md §5-6 and the `krippendorff`
package, plus the degenerate inputs that must read "not computable" instead of NaN."""

import itertools
import math
from collections import defaultdict

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotate.quality.statistics import (
    LEVELS,
    FleissKappa,
    NotComputable,
    SpanScores,
    cohen_kappa,
    cohen_kappa_matrix,
    confusion_matrix,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
    pool_span_scores,
    reliability_matrix,
    span_agreement,
    value_counts,
)

n = math.nan

# Wikipedia, "Krippendorff's alpha" (3 reviewers × 15 units).
WIKIPEDIA = [
    [n, n, n, n, n, 3, 4, 1, 2, 1, 1, 3, 3, n, 3],
    [1, n, 2, 1, 3, 3, 4, 3, n, n, n, n, n, n, n],
    [n, n, 2, 1, 3, 4, 4, n, 2, 1, 1, 3, 3, n, 4],
]
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability" (4 reviewers × 12 units).
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
    [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
]
# Wikipedia, "Fleiss' kappa": 14 raters, counts per category for subjects 1-10.
FLEISS_WIKIPEDIA = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def _alpha_by_loops(matrix, level: str) -> float:
    """Krippendorff's alpha the slow, obvious way (a Python loop per unit): oracle and baseline."""
    coincidences: defaultdict[tuple[float, float], float] = defaultdict(float)
    for column in zip(*matrix, strict=True):
        values = [value for value in column if not math.isnan(value)]
        for i, j in itertools.permutations(range(len(values)), 2):
            coincidences[values[i], values[j]] += 1 / (len(values) - 1)
    n_c: defaultdict[float, float] = defaultdict(float)
    for (value, _), weight in coincidences.items():
        n_c[value] += weight
    position = {value: value for value in n_c}
    if level == "ordinal":
        below = 0.0
        for value in sorted(n_c):
            position[value] = below + n_c[value] / 2
            below += n_c[value]

    def delta(x: float, y: float) -> float:
        if level == "nominal":
            return float(x != y)
        if level == "ratio":
            return ((x - y) / (x + y)) ** 2 if x + y else 0.0
        return (position[x] - position[y]) ** 2

    observed = sum(weight * delta(x, y) for (x, y), weight in coincidences.items())
    # Expected pairs: every pairable value with every *other* one, across units.
    expected = sum(n_c[x] * (n_c[y] - (x == y)) * delta(x, y) for x in n_c for y in n_c)
    return 1 - observed / (expected / (sum(n_c.values()) - 1))


def _labels_from_table(table: list[list[int]], labels: list[str]) -> tuple[list[str], list[str]]:
    """Two reviewers' label lists reproducing a contingency table (rows A, columns B)."""
    a: list[str] = []
    b: list[str] = []
    for (i, row), j in itertools.product(enumerate(table), range(len(labels))):
        a += [labels[i]] * row[j]
        b += [labels[j]] * row[j]
    return a, b


def _matrix_from_counts(counts: list[list[int]]) -> np.ndarray:
    """A reviewers × units matrix giving each unit the counted values (value = category index)."""
    columns = [[j for j, count in enumerate(row) for _ in range(count)] for row in counts]
    return np.array(columns, dtype=float).T


# --- Krippendorff's alpha: published values ---


@pytest.mark.parametrize(("level", "expected"), [("nominal", 0.691358), ("interval", 0.810845)])
def test_alpha_wikipedia_example(level, expected):
    assert round(krippendorff_alpha(WIKIPEDIA, level), 6) == expected


@pytest.mark.parametrize(
    ("level", "expected"),
    [("nominal", 0.743421), ("ordinal", 0.815388), ("interval", 0.849107), ("ratio", 0.797403)],
)
def test_alpha_krippendorff_2011_example(level, expected):
    assert round(krippendorff_alpha(KRIPPENDORFF_2011, level), 6) == expected


def test_alpha_from_labels_uses_value_order_for_ordinal():
    names = ["very low", "low", "mid", "high", "very high"]
    ratings = [
        (unit, reviewer, names[int(value) - 1])
        for reviewer, row in zip("ABCD", KRIPPENDORFF_2011, strict=True)
        for unit, value in enumerate(row)
        if not math.isnan(value)
    ]

    ordered = reliability_matrix(ratings, value_order=names)
    alphabetical = reliability_matrix(ratings)

    assert round(krippendorff_alpha(ordered.matrix, "ordinal"), 6) == 0.815388
    assert round(krippendorff_alpha(alphabetical.matrix, "nominal"), 6) == 0.743421


def test_alpha_matches_loop_implementation_on_many_units():
    rng = np.random.default_rng(7)
    matrix = rng.integers(1, 7, size=(3, 2_000)).astype(float)
    matrix[rng.random(matrix.shape) < 0.05] = np.nan

    for level in LEVELS:
        assert krippendorff_alpha(matrix, level) == pytest.approx(
            _alpha_by_loops(matrix, level), abs=1e-9
        )


@pytest.mark.parametrize("level", ["interval", "ratio"])
def test_alpha_on_values_far_apart_or_fractional(level):
    # Whole numbers spread wider than there are ratings, and fractions, take the general coding.
    for matrix in ([[0, 10**6, 5, n], [0, 10**6, 7, 3]], [[0.5, 2.25, 1], [0.5, 2.5, 1]]):
        assert krippendorff_alpha(matrix, level) == pytest.approx(
            _alpha_by_loops(matrix, level), abs=1e-9
        )


def test_alpha_perfect_agreement_is_one():
    assert krippendorff_alpha([[1, 2, 3, n], [1, 2, 3, 4]], "ordinal") == 1.0


# --- Krippendorff's alpha: against the krippendorff package ---

DOMAINS = {
    "nominal": [0, 1, 2, 3],
    "ordinal": [0, 1, 2, 3, 4],
    "interval": [-2.5, -1.0, 0.0, 0.1, 3.0, 7.25],
    "ratio": [0, 1, 2, 5],  # 0 included: the ratio metric's 0/0 case
}


@st.composite
def reliability_data(draw, domain: list[float]) -> np.ndarray:
    """Small reviewers × units matrices over `domain`, NaN for missing values."""
    reviewers = draw(st.integers(1, 5))
    units = draw(st.integers(0, 8))
    cells = st.one_of(st.just(n), st.sampled_from(domain))
    values = draw(st.lists(cells, min_size=reviewers * units, max_size=reviewers * units))
    return np.array(values, dtype=float).reshape(reviewers, units)


def _package_alpha(matrix: np.ndarray, level: str) -> float | None:
    """The `krippendorff` package's alpha, or None where it refuses or divides 0 by 0."""
    domain = DOMAINS[level] if level == "ordinal" else None
    with np.errstate(all="ignore"):  # it divides 0 by 0 when all pairable values agree
        try:
            value = krippendorff.alpha(
                reliability_data=matrix, value_domain=domain, level_of_measurement=level
            )
        except ValueError:
            return None
    return None if np.isnan(value) else float(value)


@pytest.mark.parametrize("level", LEVELS)
def test_alpha_agrees_with_krippendorff_package(level):
    # Derandomised and without an example database: the same examples on every run and on CI.
    @settings(max_examples=200, deadline=None, derandomize=True, database=None)
    @given(matrix=reliability_data(DOMAINS[level]))
    def check(matrix):
        expected = _package_alpha(matrix, level)
        ours = krippendorff_alpha(matrix, level)
        if expected is None:
            assert isinstance(ours, NotComputable)
        else:
            assert ours == pytest.approx(expected, abs=1e-9)

    check()


# --- Krippendorff's alpha and percent agreement: degenerate and malformed input ---


@pytest.mark.parametrize(
    ("matrix", "reason"),
    [
        ([[1, 2, 3]], "only one reviewer"),
        ([[2, 2, n], [2, 2, 2]], "every value is the same label"),
        ([[1, n, n], [n, 2, n]], "no unit has two values"),
        ([[n, n], [n, n]], "no ratings"),
        (np.empty((0, 0)), "no ratings"),
    ],
)
@pytest.mark.parametrize("level", LEVELS)
def test_alpha_degenerate_input_is_not_computable(matrix, reason, level):
    assert krippendorff_alpha(matrix, level) == NotComputable(reason)


def test_alpha_ignores_values_of_units_nobody_paired():
    # The lone 9 pairs with nothing, so it widens no scale: all pairable values are 2.
    result = krippendorff_alpha([[2, 2, 9], [2, 2, n]], "interval")

    assert result == NotComputable("every value is the same label")
    assert str(result) == "not computable: every value is the same label"


@pytest.mark.parametrize(
    ("matrix", "level"),
    [
        ([[1, 2], [1, 2]], "categorical"),
        ([[1, -2], [1, 2]], "ratio"),
        ([1, 2, 3], "nominal"),
        ([[1, math.inf], [1, 2]], "interval"),
    ],
)
def test_alpha_malformed_input_raises(matrix, level):
    with pytest.raises(ValueError):
        krippendorff_alpha(matrix, level)


def test_percent_agreement_equals_fleiss_p_bar_for_equal_counts():
    assert round(percent_agreement(_matrix_from_counts(FLEISS_WIKIPEDIA)), 6) == 0.378022


def test_percent_agreement_weighs_units_by_their_values():
    # Unit 1: 3 values, 1 of 3 pairs agree (A=B); unit 2: 2 values that agree; unit 3 unpaired.
    matrix = [[1, 2, 3], [1, 2, n], [2, n, n]]

    assert percent_agreement(matrix) == pytest.approx((3 * (1 / 3) + 2 * 1) / 5)
    assert percent_agreement([[1, 1], [1, 1]]) == 1.0
    assert percent_agreement([[1, 2]]) == NotComputable("only one reviewer")


# --- Fleiss' kappa ---


def test_fleiss_wikipedia_example():
    result = fleiss_kappa(FLEISS_WIKIPEDIA)

    assert isinstance(result, FleissKappa)
    assert round(result.p_bar, 6) == 0.378022
    assert round(result.p_e_bar, 6) == 0.212755
    assert round(result.kappa, 6) == 0.209931
    assert [round(p, 3) for p in result.p_j] == [0.143, 0.200, 0.279, 0.150, 0.229]


def test_fleiss_from_reliability_matrix_counts():
    counts = value_counts(_matrix_from_counts(FLEISS_WIKIPEDIA), n_values=5)

    assert counts.tolist() == FLEISS_WIKIPEDIA
    assert round(fleiss_kappa(counts).kappa, 6) == 0.209931


@pytest.mark.parametrize(
    ("counts", "reason"),
    [
        ([[2, 1], [1, 1]], "units have unequal numbers of ratings (2 to 3)"),
        ([[3, 0], [3, 0]], "every rating is the same category"),
        ([[1, 0], [0, 1]], "fewer than two ratings per unit"),
        ([[0, 0], [0, 0]], "no ratings"),
        (np.empty((0, 3)), "no ratings"),
    ],
)
def test_fleiss_degenerate_input_is_not_computable(counts, reason):
    assert fleiss_kappa(counts) == NotComputable(reason)


@pytest.mark.parametrize("counts", [[[1, -1], [0, 0]], [[1.5, 0.5]], [1, 2]])
def test_fleiss_malformed_counts_raise(counts):
    with pytest.raises(ValueError):
        fleiss_kappa(counts)


# --- Cohen's kappa ---


def test_cohen_worked_example():
    a, b = _labels_from_table([[20, 5], [10, 15]], ["Yes", "No"])

    assert cohen_kappa(a, b) == pytest.approx(0.40)


def test_cohen_counts_only_items_rated_by_both():
    a, b = _labels_from_table([[20, 5], [10, 15]], ["Yes", "No"])

    assert cohen_kappa([*a, None, "Yes", n], [*b, "No", None, "Yes"]) == pytest.approx(0.40)


@pytest.mark.parametrize(
    ("a", "b", "reason"),
    [
        (["Yes", None], ["Yes", "No"], "fewer than two items rated by both reviewers"),
        ([], [], "fewer than two items rated by both reviewers"),
        (["Yes", "Yes"], ["Yes", "Yes"], "both reviewers gave every item one and the same label"),
    ],
)
def test_cohen_degenerate_input_is_not_computable(a, b, reason):
    assert cohen_kappa(a, b) == NotComputable(reason)


def test_cohen_opposite_single_labels_is_zero_not_undefined():
    assert cohen_kappa(["Yes", "Yes"], ["No", "No"]) == 0.0


def test_cohen_matrix_is_symmetric_with_pairwise_kappas():
    a, b = _labels_from_table([[20, 5], [10, 15]], ["Yes", "No"])
    code = {"Yes": 1.0, "No": 0.0}
    lone = [1.0] + [n] * (len(a) - 1)  # shares one item with each: too few for kappa
    matrix = [[code[x] for x in a], [code[x] for x in b], lone]

    kappas = cohen_kappa_matrix(matrix)

    assert [kappas[i][i] for i in range(3)] == [1.0, 1.0, 1.0]
    assert kappas[0][1] == kappas[1][0] == pytest.approx(0.40)
    expected = NotComputable("fewer than two items rated by both reviewers")
    assert kappas[0][2] == kappas[2][1] == expected


def test_confusion_matrix_rows_are_reference_columns_reviewer():
    labels = ["True", "Half True", "False"]
    reviewer = ["True", "False", "Half True", "True", None]
    reference = ["True", "Half True", "Half True", None, "False"]

    result = confusion_matrix(reviewer, reference, labels)

    assert result.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 0]]
    with pytest.raises(ValueError):
        confusion_matrix(["Maybe"], ["True"], labels)


# --- reliability_matrix ---


def test_reliability_matrix_axes_in_first_seen_order_with_nan_for_missing():
    data = reliability_matrix(
        [("s1", "r2", "False"), ("s1", "r1", "True"), ("s2", "r1", None), ("s3", "r2", "True")],
        value_order=["True", "False"],
    )

    assert data.reviewers == ("r2", "r1")
    assert data.units == ("s1", "s2", "s3")
    assert data.values == ("True", "False")
    np.testing.assert_array_equal(data.matrix, [[1, n, 0], [0, n, n]])


def test_reliability_matrix_numeric_values_for_interval():
    data = reliability_matrix([(1, "a", 10), (1, "b", -1), (2, "a", 0)])

    assert data.values == (-1, 0, 10)
    np.testing.assert_array_equal(data.numeric(), [[10, 0], [-1, n]])


@pytest.mark.parametrize(
    ("ratings", "value_order"),
    [
        ([(1, "a", "True"), (1, "a", "False")], None),
        ([(1, "a", "Maybe")], ["True", "False"]),
        ([(1, "a", "True")], ["True", "True"]),
    ],
)
def test_reliability_matrix_malformed_input_raises(ratings, value_order):
    with pytest.raises(ValueError):
        reliability_matrix(ratings, value_order)


# --- spans ---

SPANS_A = [(0, 10), (20, 30)]
SPANS_B = [(0, 10), (22, 30), (40, 45)]


@pytest.mark.parametrize(
    ("mode", "precision", "recall", "f1", "matched"),
    [("exact", 1 / 3, 1 / 2, 0.4, 1), ("overlap", 2 / 3, 1.0, 0.8, 2)],
)
def test_span_agreement_formats_example(mode, precision, recall, f1, matched):
    result = span_agreement(SPANS_A, SPANS_B, mode=mode)

    assert result == SpanScores(pytest.approx(precision), recall, pytest.approx(f1), matched, 2, 3)
    assert span_agreement(SPANS_B, SPANS_A, mode=mode).f1 == pytest.approx(f1)


def test_span_agreement_matches_one_to_one_highest_jaccard_first():
    # (0, 9) has Jaccard 0.9 with (0, 10); (0, 6) would also pass, but only one may match.
    result = span_agreement([(0, 10)], [(0, 6), (0, 9)])

    assert (result.matched, result.recall, result.precision) == (1, 1.0, 0.5)
    assert span_agreement([(0, 10)], [(0, 4)]).matched == 0  # Jaccard 0.4 < 0.5


def test_span_agreement_threshold_is_inclusive():
    assert span_agreement([(0, 10)], [(0, 5)], threshold=0.5).matched == 1


def test_span_agreement_token_level():
    body = "Hi 👋 Envoy said talks went well."
    a = [(16, 31)]  # "talks went well"
    b = [(17, 32)]  # "alks went well." in code points: the same three tokens

    assert span_agreement(a, b, mode="exact").matched == 0
    assert span_agreement(a, b, mode="exact", unit="tokens", body=body).matched == 1
    with pytest.raises(ValueError):
        span_agreement(a, b, unit="tokens")


def test_span_agreement_empty_sides():
    assert span_agreement([], []) == NotComputable("neither reviewer marked a span")
    assert span_agreement([(0, 5)], []) == SpanScores(0.0, 0.0, 0.0, 0, 1, 0)


@pytest.mark.parametrize("spans", [[(5, 5)], [(6, 2)], [(-1, 3)]])
def test_span_agreement_malformed_span_raises(spans):
    with pytest.raises(ValueError):
        span_agreement(spans, [(0, 1)])


def test_pool_span_scores_sums_counts_over_articles():
    per_article = [
        span_agreement(SPANS_A, SPANS_B, mode="exact"),
        span_agreement([], []),
        span_agreement([(0, 4)], [(0, 4)], mode="exact"),
    ]

    pooled = pool_span_scores(per_article)

    assert (pooled.matched, pooled.n_a, pooled.n_b) == (2, 3, 4)
    assert pooled.precision == 0.5
    assert pooled.f1 == pytest.approx(4 / 7)
    assert pool_span_scores([]) == NotComputable("neither reviewer marked a span")
