"""Chinese text utilities shared by screening, interview analysis and training."""
