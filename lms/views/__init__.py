"""Views of the learner and manager pages, one module per area."""
