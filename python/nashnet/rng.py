"""nashnet's random number generator, ported exactly from ``common/rng.h``.

xoshiro256** seeded by splitmix64, with nashnet's own distributions, so a Python learner seeded
with ``PlayerView.seed`` draws exactly the numbers the C++ learner draws with the same seed::

    rng = Rng(view.seed)
    u = rng.uniform()            # [0, 1), 53 random bits: the same double as Rng::Uniform()
    k = rng.uniform_int(6)       # [0, 6)
    rng = Rng.stream(seed, 7)    # Rng::Stream(seed, 7)

Thread safety: none; one Rng per owner.
"""

from __future__ import annotations

import math

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def mix_seed(a: int, b: int) -> int:
    """``MixSeed(a, b)``: two 64-bit values mixed into a well-spread seed (splitmix64 finaliser)."""
    a &= _MASK
    b &= _MASK
    z = a ^ ((b + _GOLDEN + ((a << 6) & _MASK) + (a >> 2)) & _MASK)
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _rotl(x: int, k: int) -> int:
    return ((x << k) | (x >> (64 - k))) & _MASK


class Rng:
    """xoshiro256** with nashnet's distributions (``nashnet::Rng``)."""

    __slots__ = ("_s0", "_s1", "_s2", "_s3", "_spare", "_has_spare")

    def __init__(self, seed: int) -> None:
        x = seed & _MASK
        state = []
        for _ in range(4):
            x = (x + _GOLDEN) & _MASK
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
            state.append(z ^ (z >> 31))
        self._s0, self._s1, self._s2, self._s3 = state
        self._has_spare = False
        self._spare = 0.0

    @staticmethod
    def stream(seed: int, stream: int) -> "Rng":
        """An independent stream ``stream`` of the family seeded by ``seed`` (``Rng::Stream``)."""
        return Rng(mix_seed(seed, stream))

    def next(self) -> int:
        """64 uniformly random bits (``Rng::Next``)."""
        s0, s1, s2, s3 = self._s0, self._s1, self._s2, self._s3
        result = (_rotl((s1 * 5) & _MASK, 7) * 9) & _MASK
        t = (s1 << 17) & _MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = _rotl(s3, 45)
        self._s0, self._s1, self._s2, self._s3 = s0, s1, s2, s3
        return result

    def uniform(self) -> float:
        """Uniform on [0, 1) from 53 random bits (``Rng::Uniform()``)."""
        return float(self.next() >> 11) * 1.1102230246251565e-16  # 0x1.0p-53

    def uniform_range(self, lo: float, hi: float) -> float:
        """Uniform on [lo, hi) (``Rng::Uniform(lo, hi)``)."""
        return lo + (hi - lo) * self.uniform()

    def uniform_int(self, n: int) -> int:
        """Uniform integer in [0, n), n > 0 (``Rng::UniformInt``: Lemire's multiply-shift)."""
        return (self.next() * n) >> 64

    def gaussian(self) -> float:
        """Standard normal (Marsaglia's polar method, ``Rng::Gaussian``)."""
        if self._has_spare:
            self._has_spare = False
            return self._spare
        while True:
            u = 2.0 * self.uniform() - 1.0
            v = 2.0 * self.uniform() - 1.0
            s = u * u + v * v
            if not (s >= 1.0 or s == 0.0):
                break
        m = math.sqrt(-2.0 * math.log(s) / s)
        self._spare = v * m
        self._has_spare = True
        return u * m
