
rps-hedge-lr
rock_paper_scissors

hedge-lr*0І8@H2