worker: ## Start the worker in the background (it restarts on every save) and follow its log
	docker compose up --detach --wait worker && docker compose logs --follow worker
