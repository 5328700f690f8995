"""The eval suite's pass marks: the one place they are set (``make test`` enforces them)."""

from __future__ import annotations

#: Share of incident cases whose verdict must reach their ``min_risk``.
MIN_INCIDENT_CATCH_RATE = 0.90
#: Largest share of benign cases allowed above their ``max_risk``.
MAX_BENIGN_FALSE_ALARM_RATE = 0.10
#: Shares of all cases gated (highest scores first) reported on the gate curve.
GATE_SHARES = (0.05, 0.10, 0.20, 0.30, 0.50)
