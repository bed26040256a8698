"""The sentence every output carries."""

DISCLAIMER = "Research use only: medcite output is not medical advice and medcite is not a medical device."
