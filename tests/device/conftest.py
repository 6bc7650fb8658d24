"""Fixtures for the device tests."""
import pytest

from device_rig import TARGETS


@pytest.fixture(params=TARGETS)
def target(request):
    return request.param
