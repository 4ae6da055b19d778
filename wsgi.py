from oneapi import create_app

app = create_app()
