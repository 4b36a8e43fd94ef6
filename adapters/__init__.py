"""Front ends: each turns platform input into core commands and renders what the core says."""
