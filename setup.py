from setuptools import find_packages, setup

setup(
    name="oneapi",
    version="0.1.0",
    description="One API in Python: an LLM API gateway compatible with one-api",
    packages=find_packages(include=["oneapi", "oneapi.*"]),
    include_package_data=True,
    package_data={"oneapi.relay": ["data/*.tiktoken.xz"]},
    python_requires=">=3.11",
    install_requires=[],
    entry_points={"console_scripts": ["oneapi=oneapi.cli:main"]},
)
