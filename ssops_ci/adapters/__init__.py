"""The only code that touches the outside world: git, GitHub, the local forge, Terraform, checkov, files."""
