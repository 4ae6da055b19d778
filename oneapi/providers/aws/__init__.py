"""AWS Bedrock (channel type 33): SigV4 signing, eventstream decoding, Claude + Converse."""
