"""One module per indicator; ``composite`` combines them into the risk indication."""
