"""The offline eval suite: historical incidents and benign look-alikes, run through the same
pipeline as ``reviewer review``, scored as a risk gate.
"""

from __future__ import annotations
