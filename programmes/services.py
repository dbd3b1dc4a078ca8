"""Session services: seat availability and offers under the session lock, capacity changes,
waiting-list promotion (built by the training-centre work)."""
