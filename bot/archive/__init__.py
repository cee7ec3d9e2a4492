"""The archive: what Rasd can tell from the articles it has stored (issue 13).

Output components, each pure (data in, bytes out) so a caller can run it in a worker thread
or process with a time budget: `bot.archive.charts` draws articles per day as a PNG,
`bot.archive.export` writes matching articles as a CSV. Searching the stored articles is not
here yet; nothing in this package touches the database or Telegram.
"""
