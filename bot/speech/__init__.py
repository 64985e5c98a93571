"""Speech: text to audio with phoneme timings (espeak-ng by default)."""
