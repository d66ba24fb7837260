"""Fetch a runnable OpenSearch node for the tests: the integ-test-zip plus the modules we need.

The integ-test-zip (the distribution OpenSearch's own integration tests run) is published on
Maven Central, but it ships one module only, ``transport-netty4`` (HTTP and transport). Text
analysis beyond the standard analyzer (stemmers, the ``english`` analyzer, stop and lowercase
filters) lives in ``analysis-common``, which extends ``lang-painless``; ``reindex`` brings
``_delete_by_query``/``_update_by_query``/``_reindex`` and ``mapper-extras`` the
``rank_feature``/``scaled_float``/``token_count`` fields. Maven publishes their jars without a
plugin descriptor, so we resolve each jar with its dependencies and write the descriptor ourselves
(the fields of OpenSearch's ``plugin-descriptor.properties`` template, values from each module's
build file).

Everything lands in a cache outside git (``~/.cache/news-search/opensearch/<version>/``) and is
fetched once; ``python tests/opensearch_dist.py`` fetches and checks it from the command line (CI).
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

# 2.19.6: the newest 2.x whose modules resolve on Maven Central and run on Java 17 (3.x needs 21).
VERSION = "2.19.6"
# Pinned so a Maven from Debian or elsewhere resolves the same way; 3.8.x runs on Maven 3.6.3+.
DEPENDENCY_PLUGIN = "3.8.1"
READY = ".news-search-ready"


class OpenSearchUnavailable(Exception):
    """Java or Maven is missing, or the distribution could not be fetched or run."""


@dataclass(frozen=True)
class Module:
    """A module published as a jar, installed into the node's ``modules/<name>/`` folder."""

    name: str
    artifact: str
    classname: str
    description: str
    extends: str = ""
    policy: str = ""


# The policies grant what each module's own plugin-security.policy grants upstream.
PAINLESS_POLICY = """grant {
  // Painless compiles scripts to classes at run time.
  permission java.lang.RuntimePermission "createClassLoader";
  permission java.lang.RuntimePermission "getClassLoader";
};
"""
REINDEX_POLICY = """grant {
  // reindex-from-remote opens sockets through the REST client.
  permission java.net.SocketPermission "*", "connect";
};
grant codeBase "${codebase.opensearch-rest-client}" {
  permission java.net.NetPermission "getProxySelector";
};
grant codeBase "${codebase.httpasyncclient}" {
  permission java.net.NetPermission "getProxySelector";
};
"""

MODULES = (
    Module(
        "lang-painless",
        "org.opensearch.plugin:lang-painless",
        "org.opensearch.painless.PainlessPlugin",
        "An easy, safe and fast scripting language for OpenSearch",
        policy=PAINLESS_POLICY,
    ),
    Module(
        "analysis-common",
        "org.opensearch.plugin:analysis-common",
        "org.opensearch.analysis.common.CommonAnalysisPlugin",
        'Adds "built in" analyzers to OpenSearch.',
        extends="lang-painless",
    ),
    Module(
        "reindex",
        "org.opensearch.plugin:reindex-client",
        "org.opensearch.index.reindex.ReindexPlugin",
        "The Reindex module adds APIs to reindex from one index to another "
        "or update documents in place.",
        policy=REINDEX_POLICY,
    ),
    Module(
        "mapper-extras",
        "org.opensearch.plugin:mapper-extras-client",
        "org.opensearch.index.mapper.MapperExtrasPlugin",
        "Adds advanced field mappers",
    ),
)


def cache_root() -> Path:
    """Where fetched distributions live: $NEWS_SEARCH_OPENSEARCH_CACHE, else the user cache."""
    explicit = os.environ.get("NEWS_SEARCH_OPENSEARCH_CACHE")
    if explicit:
        return Path(explicit)
    if os.geteuid() == 0:
        # Root's nodes run as an unprivileged user (OpenSearch refuses root), who cannot
        # enter /root: keep the distribution where every user can read it.
        return Path("/var/cache/news-search/opensearch")
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "news-search" / "opensearch"


def java_major(java_home: Path) -> int | None:
    """The major version of the JDK/JRE at java_home, or None if it does not run."""
    try:
        out = subprocess.run(
            [str(java_home / "bin" / "java"), "-version"],
            capture_output=True, text=True, timeout=30,
        ).stderr
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2)) if major == 1 else major


def find_java_home() -> Path:
    """A Java that OpenSearch 2.19 runs on: 11 to 23 (24 removed the security manager it uses)."""
    candidates = [os.environ.get(v) for v in ("OPENSEARCH_JAVA_HOME", "JAVA_HOME")]
    on_path = shutil.which("java")
    if on_path:
        candidates.append(str(Path(on_path).resolve().parent.parent))
    candidates += sorted(str(p) for p in Path("/usr/lib/jvm").glob("*17*"))
    candidates += sorted(str(p) for p in Path("/usr/lib/jvm").glob("*"))
    for candidate in candidates:
        if candidate and (Path(candidate) / "bin" / "java").exists():
            major = java_major(Path(candidate))
            if major is not None and 11 <= major <= 23:
                return Path(candidate)
    raise OpenSearchUnavailable(
        "no Java 11-23 found (install openjdk-17-jre-headless or set OPENSEARCH_JAVA_HOME)"
    )


def _pom(artifact_id: str, body: str, extra: str = "") -> str:
    return f"""<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.news-search</groupId><artifactId>{artifact_id}</artifactId><version>1</version>
  {extra}{body}
</project>
"""


def _module_pom(name: str, group: str, artifact: str, version: str, kind: str) -> str:
    # The modules list the server (org.opensearch:opensearch) as a dependency: it is in lib/
    # already, and a second copy of any class in a module folder fails the node's jar-hell check.
    dependency = f"""<dependencies><dependency>
    <groupId>{group}</groupId><artifactId>{artifact}</artifactId><version>{version}</version>
    <type>{kind}</type>
    <exclusions><exclusion><groupId>org.opensearch</groupId><artifactId>opensearch</artifactId>
    </exclusion></exclusions>
  </dependency></dependencies>
  <build><plugins><plugin>
    <groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId>
    <version>{DEPENDENCY_PLUGIN}</version>
    <configuration>
      <outputDirectory>${{project.basedir}}/jars</outputDirectory>
      <includeScope>runtime</includeScope>
    </configuration>
  </plugin></plugins></build>"""
    return _pom(name, dependency)


def write_maven_project(folder: Path, version: str) -> None:
    """An aggregator project whose children each copy one artifact with its dependencies."""
    children = {"dist": ("org.opensearch.distribution.integ-test-zip", "opensearch", "zip")}
    for module in MODULES:
        group, artifact = module.artifact.split(":")
        children[module.name] = (group, artifact, "jar")
    for name, (group, artifact, kind) in children.items():
        (folder / name).mkdir(parents=True, exist_ok=True)
        (folder / name / "pom.xml").write_text(_module_pom(name, group, artifact, version, kind))
    listing = "".join(f"<module>{name}</module>" for name in children)
    (folder / "pom.xml").write_text(_pom("fetch", f"<modules>{listing}</modules>",
                                         "<packaging>pom</packaging>\n  "))


def run_maven(folder: Path) -> None:
    """One Maven run resolves the zip and every module's jars (one JVM start, not five)."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise OpenSearchUnavailable("mvn not found (install maven)")
    env = dict(os.environ, JAVA_HOME=str(find_java_home()))
    done = subprocess.run(
        [mvn, "-B", "-q", "-f", str(folder / "pom.xml"), "dependency:copy-dependencies"],
        capture_output=True, text=True, env=env, timeout=900,
    )
    if done.returncode != 0:
        raise OpenSearchUnavailable(f"mvn failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")


def descriptor(module: Module, version: str) -> str:
    """plugin-descriptor.properties for a module, as OpenSearch's build writes it."""
    return (
        f"description={module.description}\nversion={version}\nname={module.name}\n"
        f"classname={module.classname}\njava.version=11\nopensearch.version={version}\n"
        f"extended.plugins={module.extends}\nhas.native.controller=false\n"
    )


def install_module(home: Path, module: Module, jars: Path, version: str) -> None:
    """Copy a module's jars (less those the node has in lib/) and its descriptor into modules/."""
    in_lib = {jar.name for jar in (home / "lib").glob("*.jar")}
    target = home / "modules" / module.name
    target.mkdir(parents=True)
    for jar in sorted(jars.glob("*.jar")):
        if jar.name not in in_lib:
            shutil.copy2(jar, target / jar.name)
    (target / "plugin-descriptor.properties").write_text(descriptor(module, version))
    if module.policy:
        (target / "plugin-security.policy").write_text(module.policy)


def unpack(zip_path: Path, into: Path) -> Path:
    """Unzip the distribution keeping the scripts' execute bits (zipfile drops them)."""
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            path = Path(archive.extract(info, into))
            mode = info.external_attr >> 16
            if mode and not info.is_dir():
                path.chmod(mode & 0o777)
    homes = [p for p in into.iterdir() if p.is_dir() and p.name.startswith("opensearch-")]
    if len(homes) != 1:
        raise OpenSearchUnavailable(f"unexpected layout in {zip_path.name}: {homes}")
    return homes[0]


def check_runs(home: Path) -> str:
    """Run ``bin/opensearch --version`` with our Java; return its line."""
    env = dict(os.environ, JAVA_HOME=str(find_java_home()))
    done = subprocess.run([str(home / "bin" / "opensearch"), "--version"],
                          capture_output=True, text=True, env=env, timeout=120)
    if done.returncode != 0 or "Version:" not in done.stdout:
        raise OpenSearchUnavailable(f"opensearch --version failed: {done.stdout}{done.stderr}")
    return done.stdout.strip()


def fetch(version: str = VERSION, root: Path | None = None) -> Path:
    """Return the home of a runnable OpenSearch ``version``, fetching it once into the cache."""
    folder = (root or cache_root()) / version
    home = folder / f"opensearch-{version}"
    if (home / READY).exists():
        return home
    folder.mkdir(parents=True, exist_ok=True)
    # A lock so that two test runs fetching at once do not unpack over each other.
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (home / READY).exists():
            return home
        work = folder / "work"
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)
        write_maven_project(work / "maven", version)
        run_maven(work / "maven")
        zips = list((work / "maven" / "dist" / "jars").glob("*.zip"))
        unpacked = unpack(zips[0], work / "unpacked")
        for module in MODULES:
            install_module(unpacked, module, work / "maven" / module.name / "jars", version)
        check_runs(unpacked)
        unpacked.rename(home)
        (home / READY).write_text("\n".join(m.name for m in MODULES) + "\n")
        shutil.rmtree(work)  # the zip is in Maven's own cache; no second copy
    return home


if __name__ == "__main__":
    try:
        fetched = fetch()
    except OpenSearchUnavailable as error:
        sys.exit(f"OpenSearch unavailable: {error}")
    print(fetched)
    print(check_runs(fetched))
    print("modules:", " ".join(sorted(p.name for p in (fetched / "modules").iterdir())))
