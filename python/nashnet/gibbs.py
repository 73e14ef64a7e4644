"""Gibbs (softmax) maps, sampling and step-size schedules, bit for bit as ``agents/gibbs.h``.

The C++ learners compute ``x = softmax(scale * scores)`` with Eigen array expressions. Eigen
evaluates ``exp`` two doubles at a time with its own SSE2 polynomial (``pexp_double``, not libm's
``exp``) and only the odd last element with ``std::exp``, and ``sum()`` adds in a fixed, blocked
order. To give the same doubles, this module performs the same operations in the same order:
``_eigen_exp`` is Eigen 3.4's ``pexp_double`` one lane at a time (without FMA, as the x86-64
build has it), ``_eigen_sum`` its vectorised reduction. Python floats are IEEE doubles and
``math.exp`` / ``**`` call the same libm as C++, so the results agree to the last bit.

    scores = [0.0] * n
    x = gibbs_from_shifted(scores, 1.0)         # softmax(scores)
    a = sample_index(x, rng.uniform())
    gamma = PowerSchedule(0.1, 0.6)(t)          # 0.1 / t**0.6

Thread safety: pure functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, MutableSequence, Sequence

MIN_EXPONENT = -700.0  # kMinExponent: exponents below are raised to it

# Eigen 3.4 pexp_double's constants (GenericPacketMathFunctions.h).
_EXP_HI = 709.784
_EXP_LO = -709.784
_LOG2EF = 1.4426950408889634073599
_P0 = 1.26177193074810590878e-4
_P1 = 3.02994407707441961300e-2
_P2 = 9.99999999999999999910e-1
_Q0 = 3.00198505138664455042e-6
_Q1 = 2.52448340349684104192e-3
_Q2 = 2.27265548208155028766e-1
_Q3 = 2.00000000000000000009e0
_C1 = 0.693145751953125
_C2 = 1.42860682030941723212e-6


def _eigen_exp(value: float) -> float:
    """One lane of Eigen's ``pexp_double`` (SSE2, no FMA): pmadd is a multiply then an add."""
    x = max(min(value, _EXP_HI), _EXP_LO)
    fx = math.floor(_LOG2EF * x + 0.5)
    x = x - fx * _C1
    x = x - fx * _C2
    x2 = x * x
    px = (_P0 * x2 + _P1) * x2 + _P2
    px = px * x
    qx = ((_Q0 * x2 + _Q1) * x2 + _Q2) * x2 + _Q3
    x = px / (qx - px)
    x = 2.0 * x + 1.0
    # pldexp(x, fx): exact for every exponent these inputs reach (results are normal numbers).
    result = math.ldexp(x, int(fx))
    # pmax(result, value) = _mm_max_pd(value, result): the larger, `result` when equal or NaN.
    return value if value > result else result


def _eigen_sum(values: Sequence[float]) -> float:
    """``ArrayXd::sum()`` as Eigen 3.4 reduces it with packets of two (Redux.h)."""
    size = len(values)
    aligned = size - size % 2
    if aligned == 0:
        total = values[0]
        for k in range(1, size):
            total += values[k]
        return total
    r0a, r0b = values[0], values[1]
    if aligned > 2:
        r1a, r1b = values[2], values[3]
        aligned2 = size - size % 4
        for k in range(4, aligned2, 4):
            r0a += values[k]
            r0b += values[k + 1]
            r1a += values[k + 2]
            r1b += values[k + 3]
        r0a += r1a
        r0b += r1b
        if aligned > aligned2:
            r0a += values[aligned2]
            r0b += values[aligned2 + 1]
    total = r0a + r0b
    for k in range(aligned, size):
        total += values[k]
    return total


def gibbs_from_shifted(scores: Sequence[float], scale: float,
                       out: MutableSequence[float] | None = None) -> List[float]:
    """``GibbsFromShifted``: ``exp(scale*s_k) / sum_j exp(scale*s_j)`` for shifted scores (max 0).

    Exponents below ``MIN_EXPONENT`` are raised to it; anything not finite falls back to the
    uniform distribution. Returns ``out`` (filled in place) or a new list.
    """
    n = len(scores)
    p = out if out is not None and len(out) == n else [0.0] * n
    paired = n - n % 2  # Eigen's packets of two; the odd last element takes std::exp
    for k in range(paired):
        y = scale * scores[k]
        p[k] = _eigen_exp(y if y > MIN_EXPONENT else MIN_EXPONENT)
    for k in range(paired, n):
        y = scale * scores[k]
        p[k] = math.exp(y if y > MIN_EXPONENT else MIN_EXPONENT)
    total = _eigen_sum(p)
    if math.isfinite(total) and total > 0.0:
        inverse = 1.0 / total
        for k in range(n):
            p[k] *= inverse
    else:
        uniform = 1.0 / float(n)
        for k in range(n):
            p[k] = uniform
    return p  # type: ignore[return-value]


def shift_max_to_zero(scores: MutableSequence[float]) -> None:
    """``ShiftMaxToZero``: subtracts the largest score from all (when it is finite)."""
    m = max(scores)
    if math.isfinite(m):
        for k in range(len(scores)):
            scores[k] -= m


def sample_index(p: Sequence[float], u: float) -> int:
    """``SampleIndex``: the inverse-CDF index for ``u`` in [0, 1), never one of zero probability."""
    cumulative = 0.0
    last_positive = 0
    for k, pk in enumerate(p):
        if pk <= 0.0:
            continue
        cumulative += pk
        last_positive = k
        if u < cumulative:
            return k
    return last_positive


@dataclass(frozen=True)
class PowerSchedule:
    """``c0 * t**(-exponent)`` for rounds t >= 1 (``PowerSchedule``): steps, rates, exploration."""

    c0: float = 1.0
    exponent: float = 0.0

    def __call__(self, t: int) -> float:
        if self.exponent == 0.0:
            return self.c0
        return self.c0 * math.pow(float(t), -self.exponent)
