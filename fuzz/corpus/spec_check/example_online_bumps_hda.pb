
online-bumps-hda5
online_bumps	
seed3
	dimension1

bumps5
hda*0 œ8@H