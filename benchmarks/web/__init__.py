"""The playground's speed: time to the first redrawn surface after pressing play, and updates per second."""
