"""Language: detection of short comments, text folding, teen-code, money in digits and in words."""
