"""pyruntime: a runc-compatible OCI runtime. Python decides (spec -> Plan); C does (clone .. execve)."""
__version__ = "0.1.0"
OCI_VERSION = "1.2.0"  # the runtime-spec version this runtime reports (state, spec, features max)
