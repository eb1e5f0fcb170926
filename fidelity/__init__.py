"""IPS Fidelity: fidelity reviews of IPS employment services, and their outcomes."""

__version__ = "0.1.0"
