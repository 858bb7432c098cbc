"""Where a stack's state and workspace live, and what the Pulumi CLI needs in its environment."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlparse

from regionkit.errors import InvalidInput, RegionkitError
from regionkit.spec.loader import LoadedStack

STATE_DIR = Path(".regionkit") / "state"
WORKSPACES_DIR = Path(".regionkit") / "workspaces"

# Backends that keep state in a bucket or directory ("diy" backends): secrets are encrypted with
# a passphrase. Pulumi Cloud (https) encrypts secrets itself and needs no passphrase.
DIY_SCHEMES = ("file", "s3", "gs", "azblob")
SERVICE_SCHEMES = ("https", "http")

INSTALL_HINT = (
    "Install it with `curl -fsSL https://get.pulumi.com | sh` (or see "
    "https://www.pulumi.com/docs/install/) and make sure `pulumi` is on PATH. "
    "Note: `pip install pulumi` installs only the Python SDK, not the CLI."
)


def require_pulumi_cli() -> str:
    """The path of the `pulumi` executable, or a clear error saying how to install it."""
    path = shutil.which("pulumi")
    if path is None:
        raise RegionkitError(f"the Pulumi CLI was not found on PATH. {INSTALL_HINT}")
    return path


def project_root(loaded: LoadedStack, root: Path | None = None) -> Path:
    """The directory holding `.regionkit/`: given, else the parent of `stacks/`, else the file's dir."""
    if root is not None:
        return root.resolve()
    if loaded.path is None:
        return Path.cwd().resolve()
    directory = loaded.path.resolve().parent
    return directory.parent if directory.name == "stacks" else directory


def resolve_backend(
    option: str | None, root: Path, environ: Mapping[str, str], *, create: bool = True
) -> str:
    """`--backend`, else PULUMI_BACKEND_URL, else the local file backend under `root`.

    A file backend's directory is created unless `create` is false (relative paths are taken
    from `root`); `create_state_dir` creates it later.
    """
    url = option or environ.get("PULUMI_BACKEND_URL") or ""
    if not url:
        return _file_backend(root / STATE_DIR, create=create)
    scheme = urlparse(url).scheme
    if scheme == "file":
        path = Path(os.path.expanduser(url[len("file://") :]))
        return _file_backend(path if path.is_absolute() else root / path, create=create)
    if scheme not in DIY_SCHEMES + SERVICE_SCHEMES:
        raise InvalidInput(
            f"backend {url!r} is not a Pulumi backend URL; use file://<dir>, s3://<bucket>, "
            "gs://<bucket>, azblob://<container> or https://api.pulumi.com"
        )
    return url


def state_dir(backend: str) -> Path | None:
    """The directory of a file backend; None for any other backend."""
    return Path(backend[len("file://") :]) if urlparse(backend).scheme == "file" else None


def create_state_dir(backend: str) -> None:
    """Create a file backend's directory (nothing for other backends)."""
    directory = state_dir(backend)
    if directory is None:
        return
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RegionkitError(f"cannot create the state directory {directory}: {exc}") from None


def _file_backend(path: Path, *, create: bool) -> str:
    backend = f"file://{path.resolve()}"
    if create:
        create_state_dir(backend)
    return backend


def uses_passphrase(backend: str) -> bool:
    return urlparse(backend).scheme in DIY_SCHEMES


def passphrase_env(backend: str, environ: Mapping[str, str]) -> dict[str, str]:
    """The PULUMI_CONFIG_PASSPHRASE(_FILE) variable to pass on, or a clear error when neither is set.

    An empty PULUMI_CONFIG_PASSPHRASE is allowed (Pulumi accepts it) but a passphrase file must be
    readable, since Pulumi's own error for a missing one does not name the variable.
    """
    if not uses_passphrase(backend):
        return {}
    if "PULUMI_CONFIG_PASSPHRASE" in environ:
        return {"PULUMI_CONFIG_PASSPHRASE": environ["PULUMI_CONFIG_PASSPHRASE"]}
    file = environ.get("PULUMI_CONFIG_PASSPHRASE_FILE")
    if file:
        path = Path(os.path.expanduser(file))
        if not path.is_file() or not os.access(path, os.R_OK):
            raise RegionkitError(
                f"PULUMI_CONFIG_PASSPHRASE_FILE={file} is not a readable file; point it at the "
                "file holding the passphrase that encrypts this stack's secrets"
            )
        return {"PULUMI_CONFIG_PASSPHRASE_FILE": str(path)}
    raise RegionkitError(
        f"the backend {backend} keeps secrets encrypted with a passphrase: set "
        "PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE, a file that holds it). "
        "Use the same passphrase every time; a lost passphrase cannot be recovered."
    )


def workspace_dir(root: Path, environment: str) -> Path:
    """The dedicated Pulumi workspace of one environment (Pulumi.yaml and stack settings)."""
    path = root / WORKSPACES_DIR / environment
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RegionkitError(f"cannot create the workspace directory {path}: {exc}") from None
    return path


def workspace_env(backend: str, environ: Mapping[str, str]) -> dict[str, str]:
    """Variables for every Pulumi CLI call of one operation.

    PULUMI_BACKEND_URL is set to the resolved backend so that a different one in the user's
    environment cannot win over `--backend`.
    """
    return {
        "PULUMI_BACKEND_URL": backend,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        **passphrase_env(backend, environ),
    }
