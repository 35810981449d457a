"""Language models: providers, prompt files, generation and structured output."""
