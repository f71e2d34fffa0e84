"""What installing the package gives (tests/test_install_files.py checks the install files:
the tested versions in requirements/constraints.txt, environment.yml and binder/)."""
