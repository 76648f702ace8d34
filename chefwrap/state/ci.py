"""Is this a CI job? Nobody there can be asked anything, and the event says so."""

# Set by the CI services themselves; CI=false and the like say "not CI".
CI_VARIABLES = (
    "CI",
    "CONTINUOUS_INTEGRATION",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "JENKINS_URL",
    "JENKINS_HOME",
    "BUILDKITE",
    "TF_BUILD",
    "CIRCLECI",
    "TRAVIS",
    "TEAMCITY_VERSION",
    "BITBUCKET_BUILD_NUMBER",
    "CODEBUILD_BUILD_ID",
    "DRONE",
    "APPVEYOR",
    "SEMAPHORE",
    "BAMBOO_BUILDKEY",
    "GO_PIPELINE_NAME",
    "CHEFWRAP_CI",
)


def is_set(value) -> bool:
    """A variable (str, or bytes as the shim has them) counts when it holds anything but empty, 0, false or no."""
    if isinstance(value, bytes):  # as the shim has it: decoded as the text environment is (os.fsdecode)
        value = value.decode("utf-8", "surrogateescape")
    return value is not None and value.strip().lower() not in ("", "0", "false", "no")


def detected(variables) -> bool:
    return any(is_set(variables.get(name)) for name in CI_VARIABLES)
