NO_DOCKER += cluster-%  # kubectl alone
cluster-config: ## Print deploy/k8s/overlays/OVERLAY (default staging) as kubectl would apply it
	@sh scripts/cluster.sh config $(OVERLAY)
cluster-deploy: ## Apply OVERLAY=staging|production to kubectl's cluster and wait; a rollout never ready is undone
	@sh scripts/cluster.sh deploy $(OVERLAY)
