"""Session agendas: time-boxed blocks from data, cited guidance, notes, minutes and exports."""
