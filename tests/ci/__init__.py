"""Tests of the CI gate (``reviewer ci``)."""
