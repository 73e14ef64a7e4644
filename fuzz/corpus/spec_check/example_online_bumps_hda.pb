
online-bumps-hda5
online_bumps

bumps5
	dimension1	
seed3
hda*0 œ8@H