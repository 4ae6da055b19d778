"""iFlytek Spark (channel type 18): WebSocket chat API with an HMAC-signed URL."""
