from tests.screening.conftest import demo_data

__all__ = ["demo_data"]  # the screening tests' registry with demo licences
