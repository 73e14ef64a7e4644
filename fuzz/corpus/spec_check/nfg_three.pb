
	three.nfg*0dR2